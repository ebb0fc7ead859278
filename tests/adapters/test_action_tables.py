"""One action table per adapter: every declared action has a handler, every handler is declared.

The catalogs workflows are checked against (`default_registry()`) must be the very tables the
connections dispatch through, so a catalog entry without code, or code without a catalog
entry, cannot exist.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.adapters import internal as internal_actions
from custom_components.stream_workflows.adapters.discord import actions as discord_actions
from custom_components.stream_workflows.adapters.discord.connection import DiscordConnection
from custom_components.stream_workflows.adapters.homeassistant import HomeAssistantAdapter
from custom_components.stream_workflows.adapters.obs import actions as obs_actions
from custom_components.stream_workflows.adapters.obs.connection import ObsConnection
from custom_components.stream_workflows.adapters.table import ActionTable
from custom_components.stream_workflows.adapters.twitch import actions as twitch_actions
from custom_components.stream_workflows.adapters.twitch.connection import TwitchConnection
from custom_components.stream_workflows.engine import ActionError
from custom_components.stream_workflows.engine.events import LocalEventHub
from custom_components.stream_workflows.hass_engine import HomeAssistantConnection

TABLES: dict[str, ModuleType] = {
    "obs": obs_actions,
    "twitch": twitch_actions,
    "discord": discord_actions,
    "internal": internal_actions,
}
CONNECTIONS: dict[str, type] = {
    "obs": ObsConnection,
    "twitch": TwitchConnection,
    "discord": DiscordConnection,
}
HANDLER_SHAPE = ["client", "params", "ctx"]
REPO = Path(__file__).resolve().parents[2]


def _table(module: ModuleType) -> ActionTable[Any]:
    table = module.TABLE
    assert isinstance(table, ActionTable)
    return table


@pytest.mark.parametrize("service", sorted(TABLES))
def test_every_declared_action_has_a_handler(service: str) -> None:
    table = _table(TABLES[service])
    assert table.service == service
    assert table.specs, "a table without actions"
    assert list(table.specs) == list(table.handlers)
    for name, spec in table.specs.items():
        assert spec.name == name
        assert spec.description
        handler = table.handlers[name]
        assert inspect.iscoroutinefunction(handler), name
        shape = [p.lstrip("_") for p in inspect.signature(handler).parameters]
        assert shape == HANDLER_SHAPE, name
        assert table.handler(name) is handler


@pytest.mark.parametrize("service", sorted(TABLES))
def test_every_handler_is_declared(service: str) -> None:
    """A module-level coroutine shaped like a handler that no declaration binds is a gap."""
    module = TABLES[service]
    table = _table(module)
    bound = set(table.handlers.values())
    unbound = [
        name
        for name, value in vars(module).items()
        if inspect.iscoroutinefunction(value)
        and value.__module__ == module.__name__
        and [p.lstrip("_") for p in inspect.signature(value).parameters] == HANDLER_SHAPE
        and value not in bound
    ]
    assert unbound == []


@pytest.mark.parametrize("service", sorted(CONNECTIONS))
def test_connections_keep_no_action_code_of_their_own(service: str) -> None:
    """The connection dispatches through the table; no method per action lives beside it."""
    names = set(_table(TABLES[service]).specs)
    members = {name.lstrip("_") for name in vars(CONNECTIONS[service])}
    assert names & members == set()


@pytest.mark.parametrize("service", sorted(TABLES))
def test_the_registry_catalog_is_the_table(service: str) -> None:
    adapter = default_registry().get(service)
    assert adapter is not None
    assert adapter.actions() is _table(TABLES[service]).specs


def test_a_second_declaration_of_an_action_is_refused() -> None:
    table: ActionTable[None] = ActionTable("demo")

    @table.action("ping", "Answer.")
    async def ping(_client: None, _params: Mapping[str, Any], _ctx: Any) -> Any:
        return "pong"

    with pytest.raises(ValueError, match="declared twice"):

        @table.action("ping", "Answer again.")
        async def ping_again(_client: None, _params: Mapping[str, Any], _ctx: Any) -> Any:
            return "pong"

    assert list(table.specs) == ["ping"]
    assert table.handlers["ping"] is ping


def test_a_mapping_rehearsal_echoes_the_parameters() -> None:
    table: ActionTable[None] = ActionTable("demo")

    @table.action(
        "greet",
        "Greet someone.",
        params={vol.Required("name"): str},
        rehearsal={"name": "", "greeted": True},
    )
    async def greet(_client: None, params: Mapping[str, Any], _ctx: Any) -> Any:
        return {"name": params["name"], "greeted": True}

    spec = table.specs["greet"]
    assert spec.rehearsal(spec.params({"name": "Ada"})) == {"name": "Ada", "greeted": True}
    with pytest.raises(vol.Invalid):
        spec.params({})


class _Ctx:
    workflow_id = "tables"
    run_id = "run"
    step_id = "step"
    rehearsal = False

    def __init__(self) -> None:
        self.variables: dict[str, Any] = {}
        self.events = LocalEventHub()
        self.lines: list[str] = []

    def now(self) -> datetime:
        return datetime(2026, 1, 1, 20, 0, tzinfo=UTC)

    async def sleep(self, seconds: float) -> None:
        return None

    def log(self, message: str) -> None:
        self.lines.append(message)


async def test_unknown_actions_fail_the_same_way_everywhere() -> None:
    ctx = _Ctx()
    internal = default_registry().get("internal")
    assert internal is not None
    with pytest.raises(ActionError, match="unknown internal action 'teleport'") as caught:
        await internal.execute("teleport", {}, ctx)
    assert caught.value.error_type == "unknown_action"
    obs = ObsConnection("127.0.0.1", 9, None)  # never started: the name is checked first
    with pytest.raises(ActionError, match="unknown obs action 'teleport'") as caught:
        await obs.perform("teleport", {}, ctx)
    assert caught.value.error_type == "unknown_action"
    async with DiscordConnection(webhook_url="https://discord.com/api/webhooks/1/abc") as discord:
        with pytest.raises(ActionError, match="unknown discord action 'teleport'") as caught:
            await discord.perform("teleport", {}, ctx)
    assert caught.value.error_type == "unknown_action"


async def test_internal_actions_run_through_the_table() -> None:
    ctx = _Ctx()
    adapter = default_registry().get("internal")
    assert adapter is not None
    assert await adapter.execute("set_variables", {"score": 3}, ctx) == {"score": 3}
    assert ctx.variables == {"score": 3}
    assert await adapter.execute("log", {"message": "hi", "level": "info"}, ctx) == {
        "message": "hi"
    }
    assert ctx.lines == ["hi"]


async def test_homeassistant_actions_are_open_and_go_to_home_assistant(
    hass: HomeAssistant,
) -> None:
    """The one adapter without a table: any `domain.action` is declared, and its one handler
    is Home Assistant's action call."""
    calls: list[dict[str, Any]] = []

    async def echo(call: ServiceCall) -> ServiceResponse:
        calls.append(dict(call.data))
        return {"echoed": call.data.get("word")}

    hass.services.async_register("tables", "echo", echo, supports_response=SupportsResponse.ONLY)
    adapter = HomeAssistantAdapter(HomeAssistantConnection(hass))
    assert adapter.actions() == {}
    spec = adapter.spec("tables.echo")
    assert spec is not None
    assert adapter.spec("not an action") is None
    params = spec.params({"data": {"word": "hello"}, "return_response": True})
    result = await adapter.execute("tables.echo", params, _Ctx())
    assert result == {"echoed": "hello"}
    assert calls == [{"word": "hello"}]


def test_every_catalog_imports_nothing_heavy() -> None:
    """`stream-workflows validate` and `simulate` load every table, never a client library."""
    code = (
        "import sys; from custom_components.stream_workflows.adapters import default_registry; "
        "default_registry(); "
        "heavy = [m for m in ('obsws_python', 'websocket', 'twitchAPI', 'aiohttp', 'yarl') "
        "if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
