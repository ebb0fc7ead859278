"""Exports never carry a secret.

Taken out of every workflow exported: values under a secret-sounding key (`password`,
`token`, `secret`, `webhook`, `api_key`, `stream_key`, `authorization`, ...), values that look
like a credential (Discord webhook addresses, `oauth:` Twitch tokens, JWTs, `Bearer ...`,
long random strings), and any value equal to, or containing, a known secret: the connections'
credentials and the shared variables marked secret (the caller passes them as
`known_secrets`). Each value removed becomes a required workflow input (`${secret_...}`) so
that the workflow stays valid and the importer is asked for it; the list of what was removed
(paths and reasons, never the values) goes into the document's `requires.inputs`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..engine.paths import child

SECRET_KEY = re.compile(
    r"password|passwd|secret|token|webhook|api_?key|stream_?key|auth|credential|private_?key|"
    r"cookie|session_?id",
    re.IGNORECASE,
)
_TOKEN_VALUES = (
    (
        "a Discord webhook address",
        re.compile(
            r"https?://(?:[a-z]+\.)?discord(?:app)?\.com/api(?:/v\d+)?/webhooks/\S+", re.IGNORECASE
        ),
    ),
    ("a Twitch OAuth token", re.compile(r"oauth:[a-z0-9]{20,}", re.IGNORECASE)),
    ("a bearer token", re.compile(r"bearer\s+\S{12,}", re.IGNORECASE)),
    ("a JSON web token", re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+")),
    ("an access token", re.compile(r"(?:gh[pousr]_|xox[abprs]-|sk-|glpat-)[A-Za-z0-9_-]{16,}")),
    ("an address with a password", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")),
)
_RANDOM = re.compile(r"[A-Za-z0-9_\-+=]{32,}")
MIN_KNOWN = 6  # shorter known secrets are matched by key only (as redaction does)


@dataclass(frozen=True, slots=True)
class Stripped:
    """One value taken out: where it was, why, and the input that now stands for it."""

    workflow_id: str
    path: str
    reason: str
    input_name: str

    def as_dict(self) -> dict[str, str]:
        return {
            "workflow_id": self.workflow_id,
            "path": self.path,
            "reason": self.reason,
            "input": self.input_name,
        }


def looks_random(text: str) -> bool:
    """A long run of letters and digits mixed, without spaces: a key, not a word."""
    match = _RANDOM.search(text)
    if match is None:
        return False
    run = match.group(0)
    digits = sum(c.isdigit() for c in run)
    letters = sum(c.isalpha() for c in run)
    return digits >= 4 and letters >= 4 and run.count("_") + run.count("-") <= 3


def why_secret(key: str | int | None, value: Any, known: Iterable[str]) -> str | None:
    """Why `value` (under `key`) must not be exported, or None."""
    reference = isinstance(value, str) and value.startswith("${") and value.endswith("}")
    named = isinstance(key, str) and SECRET_KEY.search(key) is not None
    if named and value not in (None, "", False) and not reference:
        return f"the key '{key}' names a secret"
    if not isinstance(value, str):
        return None
    for secret in known:
        if len(secret) >= MIN_KNOWN and secret in value:
            return "a connection credential or a secret shared variable"
    for reason, pattern in _TOKEN_VALUES:
        if pattern.search(value):
            return f"it looks like {reason}"
    if looks_random(value) and "${" not in value:
        return "it looks like a token (a long random string)"
    return None


def strip_secrets(
    document: Mapping[str, Any], known_secrets: Iterable[str] = ()
) -> tuple[dict[str, Any], list[Stripped]]:
    """A copy of a workflow document without secrets, and what was taken out."""
    known = sorted({s for s in known_secrets if isinstance(s, str)}, key=len, reverse=True)
    result = copy.deepcopy(dict(document))
    workflow_id = str(result.get("id", ""))
    stripped: list[Stripped] = []
    inputs = result.get("inputs")
    inputs = dict(inputs) if isinstance(inputs, dict) else {}
    taken: set[str] = set(inputs)
    for name, spec in list(inputs.items()):
        if isinstance(spec, dict) and "default" in spec:
            reason = why_secret(name, spec["default"], known)
            if reason is not None:
                inputs[name] = {k: v for k, v in spec.items() if k != "default"}
                inputs[name]["required"] = True
                path = child(child("inputs", name), "default")
                stripped.append(Stripped(workflow_id, path, reason, name))
    containers: list[tuple[Any, str]] = [(result, "")]
    while containers:
        holder, path = containers.pop()
        items = holder.items() if isinstance(holder, dict) else enumerate(holder)
        for key, value in list(items):
            if isinstance(holder, dict) and path == "" and key in ("id", "inputs"):
                continue
            where = child(path, key)
            if isinstance(value, dict | list):
                if isinstance(key, str) and SECRET_KEY.search(key) and value:
                    reason = f"the key '{key}' names a secret"
                else:
                    containers.append((value, where))
                    continue
            else:
                reason = why_secret(key, value, known)
            if reason is None:
                continue
            name = _input_name(key, taken)
            holder[key] = f"${{{name}}}"
            inputs[name] = {
                "description": f"Removed on export ({reason}); give your own value",
                "type": "string",
                "required": True,
            }
            stripped.append(Stripped(workflow_id, where, reason, name))
    if stripped:
        result["inputs"] = inputs
    return result, stripped


def _input_name(key: str | int, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", str(key)).lower()[:40] or "value"
    name = f"secret_{base}"
    number = 2
    while name in taken:
        name = f"secret_{base}_{number}"
        number += 1
    taken.add(name)
    return name


def secret_values(variables: Mapping[str, Any], marked: Iterable[str]) -> list[str]:
    """The values of shared variables that are secret: marked, or by their key's name."""
    marked_set = set(marked)
    found: list[str] = []
    stack: list[tuple[str, Any]] = [(str(k), v) for k, v in variables.items()]
    while stack:
        path, value = stack.pop()
        if isinstance(value, Mapping):
            stack.extend((f"{path}.{k}", v) for k, v in value.items())
            continue
        secret = path in marked_set or any(path.startswith(f"{m}.") for m in marked_set)
        if (secret or SECRET_KEY.search(path)) and isinstance(value, str | int) and value != "":
            found.append(str(value))
    return found
