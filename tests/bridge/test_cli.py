"""The `streamdeck-bridge` command as a process: the virtual deck, -v logs, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .hass_process import free_port

pytestmark = pytest.mark.usefixtures("socket_enabled")


def test_virtual_deck_serves_and_sigterm_exits_cleanly(tmp_path: Path) -> None:
    config = tmp_path / "deck.yaml"
    config.write_text(
        f"home_assistant:\n  url: http://127.0.0.1:{free_port()}\n"
        "pages:\n  - name: main\n    keys:\n      - workflow: brb\n"
    )
    port = free_port()
    env = {**os.environ, "STREAMDECK_BRIDGE_TOKEN": "unused"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamdeck_bridge",
            "--config",
            str(config),
            "--virtual",
            "xl",
            "--port",
            str(port),
            "-v",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        page = ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                    page = resp.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "Virtual Stream Deck" in page
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, out
    assert "Virtual Stream Deck XL at http://127.0.0.1:" in out
    assert "Stopped cleanly" in out
    assert "Traceback" not in out
