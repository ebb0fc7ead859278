"""One table per service: each action declared once, together with the code that does it.

An action's declaration (name, description, parameter schema, result fields, rehearsal result,
timeout) and its handler are bound by one decorator, so the catalog a workflow is checked
against cannot list an action nothing performs, nor perform one it does not list:

    TABLE: ActionTable[ObsClient] = ActionTable("obs")

    @TABLE.action("trigger_hotkey", "Press an OBS hotkey.", params={...}, result={...})
    async def trigger_hotkey(client: ObsClient, params: Params, ctx: ActionContext) -> Any: ...

A handler gets the service's client (a small protocol declared beside the table, so the
table imports nothing heavy), the validated parameters and the run's context.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import voluptuous as vol

from ..engine.adapter import ActionContext, ActionSpec, RehearsalResult, no_result
from ..engine.errors import ActionError

Params = Mapping[str, Any]
type Handler[C] = Callable[[C, Params, ActionContext], Awaitable[Any]]


def echo(defaults: Mapping[str, Any]) -> RehearsalResult:
    """A rehearsal result: `defaults`, with each key the parameters also have taken from them."""
    fixed = dict(defaults)

    def rehearse(params: Params) -> dict[str, Any]:
        return {key: params.get(key, value) for key, value in fixed.items()}

    return rehearse


class ActionTable[C]:
    """The actions of one service, each with its handler; `specs` is the service's catalog."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._specs: dict[str, ActionSpec] = {}
        self._handlers: dict[str, Handler[C]] = {}

    @property
    def specs(self) -> Mapping[str, ActionSpec]:
        """The catalog: every declared action by name, in declaration order."""
        return self._specs

    @property
    def handlers(self) -> Mapping[str, Handler[C]]:
        return self._handlers

    def action(
        self,
        name: str,
        description: str,
        *,
        params: vol.Schema | Mapping[Any, Any] | None = None,
        result: Mapping[str, str] | None = None,
        rehearsal: RehearsalResult | Mapping[str, Any] = no_result,
        timeout: float | None = 30.0,
    ) -> Callable[[Handler[C]], Handler[C]]:
        """Declare action `name` and bind the decorated coroutine function as its handler.

        `rehearsal` is a function of the parameters, or a mapping for `echo`."""
        schema = params if isinstance(params, vol.Schema) else vol.Schema(dict(params or {}))
        spec = ActionSpec(
            name=name,
            description=description,
            params=schema,
            result=dict(result or {}),
            rehearsal=echo(rehearsal) if isinstance(rehearsal, Mapping) else rehearsal,
            timeout=timeout,
        )

        def bind(handler: Handler[C]) -> Handler[C]:
            if name in self._specs:
                raise ValueError(f"{self.service} action '{name}' is declared twice")
            self._specs[name] = spec
            self._handlers[name] = handler
            return handler

        return bind

    def handler(self, action: str) -> Handler[C]:
        """The handler of `action`; `unknown_action` when the service has none."""
        handler = self._handlers.get(action)
        if handler is None:
            raise ActionError(
                f"unknown {self.service} action '{action}'", error_type="unknown_action"
            )
        return handler
