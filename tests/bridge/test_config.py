"""deck.yaml validation: every error located and readable; `--check`; the token's sources."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from streamdeck_bridge.__main__ import main
from streamdeck_bridge.config import ConfigError, load, validate

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "streamdeck_bridge" / "examples" / "demo-deck.yaml"


def problems(raw: object) -> list[str]:
    with pytest.raises(ConfigError) as err:
        validate(raw)
    return err.value.problems


def test_example_layout_is_valid() -> None:
    config = load(EXAMPLE)
    assert {"raid_workflow", "stream_start_sequence", "stream_end_processing", "brb"} <= (
        config.workflows()
    )


def test_errors_are_located() -> None:
    raw = {
        "pages": [
            {"name": "main", "keys": [{"page": "scenes"}]},
            {
                "name": "scenes",
                "keys": [
                    {"back": True},
                    None,
                    {"entity": "light.desk"},
                    {"action": "scene.turn_on", "data": {}},
                    {"workflow": "Not A Valid Id!"},
                    {"workflow": "brb", "press": "explode"},
                    {"workflow": "brb", "colour": "red"},
                    {"page": "nowhere"},
                    {"label": "nothing to do"},
                    {"workflow": "brb", "bogus": 1},
                ],
            },
        ]
    }
    found = problems(raw)
    assert any(p.startswith("pages[1].keys[4].workflow: expected a workflow id") for p in found)
    assert any(p.startswith("pages[1].keys[5].press: ") for p in found)
    assert any(p.startswith("pages[1].keys[6].colour: expected a colour") for p in found)
    assert "pages[1].keys[7].page: no page named 'nowhere' (pages: main, scenes)" in found
    assert any(p.startswith("pages[1].keys[8]: a key needs exactly one of") for p in found)
    assert "pages[1].keys[9].bogus: unknown option" in found
    assert len(found) == 6  # all at once, nothing else


def test_deck_and_top_level_errors() -> None:
    found = problems(
        {
            "home_assistant": {"url": "homeassistant.local", "token": "secret"},
            "brightness": 150,
            "decks": [
                {"serial": "A", "pages": [{"name": "x"}]},
                {"serial": "A", "pages": [{"name": "y", "keys": [{"page": "x"}]}]},
            ],
        }
    )
    assert any(p.startswith("brightness: ") for p in found)
    assert "home_assistant.token: unknown option" in found
    assert any(p.startswith("home_assistant.url: expected a URL") for p in found)
    assert "decks[1].serial: serial A is configured twice" in found
    assert any(p.startswith("decks[1].pages[0].keys[0].page: no page named 'x'") for p in found)


def test_layout_per_serial_and_default() -> None:
    config = validate(
        {
            "pages": [{"name": "home", "keys": [{"workflow": "brb"}]}],
            "decks": [
                {"serial": "CL123", "pages": [{"name": "xl", "keys": [{"key": 7, "back": True}]}]}
            ],
        }
    )
    assert config.deck_for("CL123").home == "xl"
    assert config.deck_for("CL123").pages[0].keys[7].kind == "back"
    assert config.deck_for("other").home == "home"
    key = config.deck_for("other").pages[0].keys[0]
    assert (key.press, key.long_press) == ("toggle", "cancel")


def test_token_from_env_or_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = validate({"pages": [{"name": "p"}]})
    monkeypatch.delenv("STREAMDECK_BRIDGE_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="STREAMDECK_BRIDGE_TOKEN"):
        config.home_assistant.read_token()
    monkeypatch.setenv("STREAMDECK_BRIDGE_TOKEN", " abc \n")
    assert config.home_assistant.read_token() == "abc"
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    config = validate({"home_assistant": {"token_file": str(token_file)}, "pages": [{"name": "p"}]})
    assert config.home_assistant.read_token() == "from-file"
    assert config.home_assistant.websocket_url == "ws://homeassistant.local:8123/api/websocket"


def test_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(EXAMPLE), "--check"]) == 0
    assert "OK" in capsys.readouterr().out
    bad = tmp_path / "deck.yaml"
    bad.write_text("pages:\n  - name: main\n    keys:\n      - workflow: BAD ID\n")
    assert main(["--config", str(bad), "--check"]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: pages[0].keys[0].workflow: expected a workflow id" in err
    assert "Traceback" not in err
    broken = tmp_path / "broken.yaml"
    broken.write_text("pages: [\n")
    assert main(["--config", str(broken), "--check"]) == 1
    assert "invalid YAML" in capsys.readouterr().err
    assert main(["--config", str(tmp_path / "missing.yaml"), "--check"]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_installed_entry_point() -> None:
    exe = Path(sys.executable).parent / "streamdeck-bridge"
    if not exe.exists():
        pytest.skip("streamdeck-bridge is not installed into this environment (run scripts/setup)")
    done = subprocess.run(
        [str(exe), "--config", str(EXAMPLE), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
