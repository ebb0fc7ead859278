"""Keeps one Home Assistant connection alive and the entity states the layout needs in sync.

After every (re)connection, including after a Home Assistant restart, the link resynchronises
fully: it reads the entity registry to find each workflow's entities (platform
`stream_workflows`, unique ids `<workflow_id>_state` and `<workflow_id>_running`), drops every
cached state and subscribes to the entities again, whose first message holds their current
states. A registry change (the integration loading or reloading) re-resolves the workflows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

import aiohttp

from .ha_client import (
    EntityState,
    HomeAssistantAuthenticationError,
    HomeAssistantClient,
    HomeAssistantConnectionError,
    HomeAssistantError,
    new_session,
)

_LOGGER = logging.getLogger(__name__)
PLATFORM = "stream_workflows"
BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
AUTH_RETRY = 30.0


class LinkStatus(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    OFFLINE = "offline"
    AUTH_FAILED = "auth_failed"


class HomeAssistantLink:
    """The bridge's view of Home Assistant: connection status plus the states it follows."""

    def __init__(
        self,
        url: str,
        token: Callable[[], str],
        *,
        workflows: set[str],
        entities: set[str],
        on_change: Callable[[set[str] | None], None],
        session: aiohttp.ClientSession | None = None,
        heartbeat: float = 20.0,
        verify_ssl: bool = True,
        backoff: tuple[float, ...] = BACKOFF,
    ) -> None:
        self.url = url
        self._token = token
        self.workflows = set(workflows)
        self.entities = set(entities)
        self._on_change = on_change
        self._session = session
        self._own_session = session is None
        self.heartbeat = heartbeat
        self.verify_ssl = verify_ssl
        self.backoff = backoff
        self.status = LinkStatus.CONNECTING
        self.last_error: str | None = None
        self.states: dict[str, EntityState] = {}
        self.workflow_sensor: dict[str, str] = {}
        self.workflow_switch: dict[str, str] = {}
        self.client: HomeAssistantClient | None = None
        self.connections = 0
        self._entities_sub: int | None = None
        self._resolve_task: asyncio.Task[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._online = asyncio.Event()

    # -- what the keys read ---------------------------------------------------------------

    @property
    def online(self) -> bool:
        return self.status is LinkStatus.CONNECTED

    def workflow_state(self, workflow_id: str) -> EntityState | None:
        entity_id = self.workflow_sensor.get(workflow_id)
        return self.states.get(entity_id) if entity_id else None

    def state(self, entity_id: str) -> EntityState | None:
        return self.states.get(entity_id)

    async def call_service(
        self,
        domain: str,
        service: str,
        data: Mapping[str, Any] | None = None,
        target: Mapping[str, Any] | None = None,
    ) -> Any:
        """Call an action now, or raise: a call is never queued while offline."""
        client = self.client
        if client is None or not self.online:
            raise HomeAssistantConnectionError("Home Assistant is not connected")
        _LOGGER.info("Calling %s.%s %s %s", domain, service, dict(data or {}), dict(target or {}))
        return await client.call_service(domain, service, data, target)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ha-link")

    async def stop(self) -> None:
        for task in (self._resolve_task, self._task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.client is not None:
            await self.client.close()
            self.client = None
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def wait_online(self, within: float) -> None:
        """Wait (at most `within` seconds) until connected and resynchronised."""
        async with asyncio.timeout(within):
            await self._online.wait()

    def _set_status(self, status: LinkStatus, error: str | None = None) -> None:
        changed = status is not self.status or error != self.last_error
        self.status = status
        self.last_error = error
        if status is LinkStatus.CONNECTED:
            self._online.set()
        else:
            self._online.clear()
        if changed:
            self._on_change(None)

    async def _run(self) -> None:
        attempt = 0
        if self._session is None:
            self._session = new_session()
        while True:
            try:
                token = self._token()
            except Exception as err:  # a missing token file is reported, then retried
                self._set_status(LinkStatus.AUTH_FAILED, str(err))
                await asyncio.sleep(AUTH_RETRY)
                continue
            client = HomeAssistantClient(
                self.url,
                token,
                session=self._session,
                heartbeat=self.heartbeat,
                request_timeout=max(2.0, min(10.0, self.heartbeat)),
                verify_ssl=self.verify_ssl,
            )
            try:
                await client.connect()
            except HomeAssistantAuthenticationError as err:
                _LOGGER.error("%s; check the long-lived access token", err)
                self._set_status(LinkStatus.AUTH_FAILED, str(err))
                await asyncio.sleep(AUTH_RETRY)
                continue
            except HomeAssistantConnectionError as err:
                delay = self.backoff[min(attempt, len(self.backoff) - 1)]
                delay *= random.uniform(0.9, 1.1)
                if attempt == 0 or self.status is not LinkStatus.OFFLINE:
                    _LOGGER.warning("%s; retrying (backoff up to %s s)", err, self.backoff[-1])
                else:
                    _LOGGER.debug("%s; retrying in %.1f s", err, delay)
                attempt += 1
                self._set_status(LinkStatus.OFFLINE, str(err))
                await asyncio.sleep(delay)
                continue
            self.client = client
            try:
                await self._resync(client)
            except (HomeAssistantError, TimeoutError) as err:
                _LOGGER.warning("Resynchronisation failed: %s; reconnecting", err)
                self.client = None
                await client.close()
                self._set_status(LinkStatus.OFFLINE, str(err))
                await asyncio.sleep(self.backoff[0])
                continue
            attempt = 0
            self.connections += 1
            _LOGGER.info(
                "Connected to Home Assistant %s at %s (%d workflows found)",
                client.ha_version,
                self.url,
                len(self.workflow_sensor),
            )
            self._set_status(LinkStatus.CONNECTED)
            reason = await client.wait_closed()
            self.client = None
            await client.close()
            _LOGGER.warning("Lost the connection to Home Assistant: %s", reason)
            self._set_status(LinkStatus.OFFLINE, str(reason))

    async def _resync(self, client: HomeAssistantClient) -> None:
        """Full resynchronisation: registry, then every followed entity's current state."""
        self.states.clear()
        self._entities_sub = None
        await client.subscribe_events("entity_registry_updated", self._registry_updated)
        await self._resolve(client)

    async def _resolve(self, client: HomeAssistantClient) -> None:
        entries = await client.entity_registry()
        sensors: dict[str, str] = {}
        switches: dict[str, str] = {}
        for entry in entries:
            if entry.platform != PLATFORM:
                continue
            for workflow_id in self.workflows:
                if entry.unique_id == f"{workflow_id}_state":
                    sensors[workflow_id] = entry.entity_id
                elif entry.unique_id == f"{workflow_id}_running":
                    switches[workflow_id] = entry.entity_id
        for workflow_id in sorted(self.workflows - sensors.keys()):
            _LOGGER.warning(
                "Workflow %s has no entity in Home Assistant (is the workflow loaded?); "
                "its key shows it as unavailable",
                workflow_id,
            )
        wanted = self.entities | set(sensors.values()) | set(switches.values())
        old_wanted = (
            self.entities | set(self.workflow_sensor.values()) | set(self.workflow_switch.values())
        )
        self.workflow_sensor = sensors
        self.workflow_switch = switches
        if self._entities_sub is not None and wanted == old_wanted:
            return
        if self._entities_sub is not None:
            await client.unsubscribe(self._entities_sub)
            self._entities_sub = None
        self.states.clear()
        if wanted:
            self._entities_sub = await client.subscribe_entities(wanted, self._states_changed)
        self._on_change(None)

    def _registry_updated(self, event: dict[str, Any]) -> None:
        if self._resolve_task is not None and not self._resolve_task.done():
            return
        client = self.client
        if client is None:
            return

        async def resolve() -> None:
            await asyncio.sleep(0.2)  # let a burst of registry changes settle
            with contextlib.suppress(HomeAssistantError, TimeoutError):
                await self._resolve(client)

        self._resolve_task = asyncio.create_task(resolve(), name="ha-resolve")

    def _states_changed(self, changed: dict[str, EntityState | None]) -> None:
        for entity_id, state in changed.items():
            if state is None:
                self.states.pop(entity_id, None)
            else:
                self.states[entity_id] = state
        self._on_change(set(changed))
