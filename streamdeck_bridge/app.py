"""Wiring: the Home Assistant link, the decks (hardware and/or virtual) and their surfaces."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from .config import BridgeConfig
from .decks import DeckHandle, DeckManager, default_enumerate
from .ha_link import HomeAssistantLink
from .keys import Intent
from .surface import Surface
from .virtual import VirtualDeck, VirtualServer

_LOGGER = logging.getLogger(__name__)


class Bridge:
    """Everything the `streamdeck-bridge` command runs."""

    def __init__(
        self,
        config: BridgeConfig,
        *,
        token: Callable[[], str] | None = None,
        hardware: bool = True,
        virtual_model: str | None = None,
        virtual_port: int = 8765,
        enumerate_decks: Callable[[], list[Any]] = default_enumerate,
        poll_interval: float = 0.5,
        session: aiohttp.ClientSession | None = None,
        backoff: tuple[float, ...] | None = None,
        on_action: Callable[[str, Intent, float], None] | None = None,
    ) -> None:
        self.config = config
        self.on_action = on_action
        self.surfaces: dict[str, Surface] = {}
        entities: set[str] = set()
        for deck in config.decks:
            for page in deck.pages:
                for cfg in [*page.keys.values(), *page.dials.values()]:
                    if entity := getattr(cfg, "entity", None):
                        entities.add(entity)
        ha = config.home_assistant
        kwargs: dict[str, Any] = {}
        if backoff is not None:
            kwargs["backoff"] = backoff
        self.link = HomeAssistantLink(
            ha.websocket_url,
            token or ha.read_token,
            workflows=config.workflows(),
            entities=entities,
            on_change=self._states_changed,
            session=session,
            heartbeat=ha.heartbeat,
            verify_ssl=ha.verify_ssl,
            **kwargs,
        )
        self.decks = (
            DeckManager(self, enumerate_decks=enumerate_decks, poll_interval=poll_interval)
            if hardware
            else None
        )
        self.virtual: VirtualDeck | None = None
        self.server: VirtualServer | None = None
        if virtual_model is not None:
            self.virtual = VirtualDeck(virtual_model)
            self.server = VirtualServer(self.virtual, port=virtual_port)

    async def start(self) -> None:
        self.link.start()
        if self.virtual is not None and self.server is not None:
            surface = self._add_surface(self.virtual)
            self.virtual.key_event = surface.key_event
            self.virtual.dial_event = surface.dial_event
            self.virtual.touch_event = surface.touch_event
            self.virtual.on_rescale = surface.rescale
            await self.server.start()
        if self.decks is not None:
            self.decks.start()

    async def stop(self) -> None:
        """Blank and close every deck, close the connection."""
        _LOGGER.info("Stopping: blanking the decks")
        for surface in list(self.surfaces.values()):
            await surface.close()
        self.surfaces.clear()
        if self.decks is not None:
            await self.decks.stop(blank=True)
        if self.server is not None:
            await self.server.stop()
        await self.link.stop()

    def _add_surface(self, output: Any) -> Surface:
        config = self.config.deck_for(output.serial)
        surface = Surface(
            output, config, self.link, hold_time=self.config.hold_time, on_action=self.on_action
        )
        self.surfaces[output.serial] = surface
        surface.start()
        return surface

    def _states_changed(self, changed: set[str] | None) -> None:
        for surface in self.surfaces.values():
            surface.refresh(changed)

    # -- DeckEvents (called on the loop by DeckManager) ------------------------------------

    def deck_attached(self, deck: DeckHandle) -> None:
        old = self.surfaces.pop(deck.serial, None)
        surface = self._add_surface(deck)
        if old is not None:
            surface.restore(old.page_stack)  # a re-plugged deck keeps its page

    def deck_detached(self, deck: DeckHandle) -> None:
        surface = self.surfaces.get(deck.serial)
        if surface is not None:
            surface.detach()

    def key_event(self, deck: DeckHandle, key: int, pressed: bool, at: float) -> None:
        surface = self.surfaces.get(deck.serial)
        if surface is not None and surface.output is deck:
            surface.key_event(key, pressed, at)

    def dial_event(self, deck: DeckHandle, dial: int, kind: str, value: int, at: float) -> None:
        surface = self.surfaces.get(deck.serial)
        if surface is not None and surface.output is deck:
            surface.dial_event(dial, kind, value, at)

    def touch_event(self, deck: DeckHandle, kind: str, value: dict[str, int], at: float) -> None:
        surface = self.surfaces.get(deck.serial)
        if surface is not None and surface.output is deck:
            surface.touch_event(kind, value, at)
