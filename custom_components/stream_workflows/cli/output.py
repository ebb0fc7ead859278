"""How `simulate` prints a rehearsal for a person (`--json` prints `Rehearsal.as_json`)."""

from __future__ import annotations

import json
import sys

from ..engine.errors import escape_text
from ..engine.loading import json_ready
from ..engine.model import WorkflowDefinition
from ..engine.rehearse import Rehearsal


def print_rehearsal(definition: WorkflowDefinition, rehearsal: Rehearsal) -> None:
    print(f"{definition.name} ({definition.id}): rehearsal, nothing external was called")
    start = rehearsal.started_at
    width = max((len(d.step) for _, d in rehearsal.actions), default=0)
    for at, dispatch in rehearsal.actions:
        offset = int((at - start).total_seconds()) if start else 0
        minutes, seconds = divmod(offset, 60)
        params = json.dumps(json_ready(dict(dispatch.params)), ensure_ascii=False)
        retry = f" (attempt {dispatch.attempt})" if dispatch.attempt > 1 else ""
        print(
            f"  +{minutes:02d}:{seconds:02d}  {dispatch.step:<{width}}  "
            f"{dispatch.service}.{dispatch.action} {params}{retry}"
        )
    print(f"Path: {f' {_arrow()} '.join(rehearsal.path) or '(nothing entered)'}")
    elapsed = ""
    if rehearsal.started_at and rehearsal.finished_at:
        total = (rehearsal.finished_at - rehearsal.started_at).total_seconds()
        elapsed = f" after {total:g} s of virtual time"
    print(f"Status: {rehearsal.status.value}{elapsed}")
    for handled in rehearsal.errors:
        print(
            f"Handled error: {handled['step'] or 'run'}: {handled['message']} "
            f"({handled['type']}; {handled['handled']})"
        )
    if rehearsal.error:
        error = rehearsal.error
        message = escape_text(str(error["message"]))
        print(f"Error: {error['step'] or 'run'}: {message} ({error['type']})")


def _arrow() -> str:
    """`→`, or `->` where the terminal's encoding cannot show it (LC_ALL=C)."""
    try:
        "→".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return "->"
    return "→"
