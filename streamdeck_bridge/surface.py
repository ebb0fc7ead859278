"""One deck's live layout: pages, drawing, presses, sleep and wake.

A `Surface` drives any `KeyOutput`: a hardware deck (decks.DeckHandle) or the virtual deck
(virtual.VirtualDeck). Both go through the same key handling and the same renderer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from PIL import Image

from .config import DeckConfig, PageConfig
from .ha_client import HomeAssistantCommandError, HomeAssistantError
from .ha_link import HomeAssistantLink, LinkStatus
from .keys import Dial, Intent, Key, PressTracker, make_key
from .render import KeyRenderer, KeyView, render_strip

_LOGGER = logging.getLogger(__name__)
FLASH_SECONDS = 1.5


class KeyOutput(Protocol):
    serial: str
    model: str
    key_count: int
    key_size: tuple[int, int]
    # Images are drawn at key_size times render_scale: 1 on hardware (its native size), 2 or more
    # on the virtual deck so keys are sharp on HiDPI screens.
    render_scale: int
    dial_count: int
    strip_size: tuple[int, int] | None

    def set_key(self, key: int, image: Image.Image) -> None: ...
    def set_strip(self, image: Image.Image) -> None: ...
    def set_brightness(self, percent: int) -> None: ...


class Surface:
    """The layout shown on one output, and what its keys do."""

    def __init__(
        self,
        output: KeyOutput,
        config: DeckConfig,
        link: HomeAssistantLink,
        *,
        hold_time: float,
        on_action: Callable[[str, Intent, float], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.output = output
        self.config = config
        self.link = link
        self.clock = clock  # wall time, as Home Assistant's timestamps are
        self.renderer = self._make_renderer()
        self.pages = {page.name: page for page in config.pages}
        self.page_stack: list[str] = [config.home]
        self.keys: dict[int, Key] = {}
        self.dials: dict[int, Dial] = {}
        self.drawn: dict[int, KeyView] = {}
        self.strip_drawn: tuple[KeyView, ...] | None = None
        self.flashes: dict[int, tuple[str, float]] = {}
        self.sleeping = False
        self.swallow: set[int] = set()
        self.last_input = time.monotonic()
        self.on_action = on_action
        self._loop = asyncio.get_running_loop()
        self.tracker = PressTracker(hold_time, self._fire, self._loop.call_later)
        self._tick: asyncio.TimerHandle | None = None
        self._due: asyncio.TimerHandle | None = None
        self.due_at: float | None = None  # when a key's view next changes by time alone
        self._sleep_timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.closed = False
        self._load_page()

    # -- pages --------------------------------------------------------------------------

    @property
    def page(self) -> PageConfig:
        return self.pages[self.page_stack[-1]]

    def _load_page(self) -> None:
        self.tracker.cancel()
        self.keys = {
            index: make_key(cfg, self.config.show_result_for)
            for index, cfg in self.page.keys.items()
            if index < self.output.key_count
        }
        self.dials = {
            index: Dial(cfg, self.config.show_result_for)
            for index, cfg in self.page.dials.items()
            if index < self.output.dial_count
        }
        self.drawn.clear()
        self.strip_drawn = None

    def go_to(self, page: str) -> None:
        if page not in self.pages:
            return
        if page in self.page_stack:
            del self.page_stack[self.page_stack.index(page) + 1 :]
        else:
            self.page_stack.append(page)
        _LOGGER.info("%s: page %s", self.output.serial, page)
        self._load_page()
        self.refresh()

    def restore(self, page_stack: list[str]) -> None:
        """Show the pages a previous surface of the same deck was showing."""
        if page_stack and all(name in self.pages for name in page_stack):
            self.page_stack = list(page_stack)
            self._load_page()
            self.refresh()

    def back(self) -> None:
        if len(self.page_stack) > 1:
            self.page_stack.pop()
            _LOGGER.info("%s: back to page %s", self.output.serial, self.page_stack[-1])
            self._load_page()
            self.refresh()

    def entities(self) -> set[str]:
        return {
            entity
            for page in self.config.pages
            for cfg in [*page.keys.values(), *page.dials.values()]
            if (entity := getattr(cfg, "entity", None))
        }

    # -- drawing ------------------------------------------------------------------------

    def _make_renderer(self) -> KeyRenderer | None:
        w, h = self.output.key_size
        scale = max(1, int(self.output.render_scale))
        return KeyRenderer((w * scale, h * scale)) if w else None

    def rescale(self) -> None:
        """Redraw everything after the output's render_scale changed."""
        self.renderer = self._make_renderer()
        self.drawn.clear()
        self.strip_drawn = None
        self.refresh()

    def start(self) -> None:
        self.output.set_brightness(self.config.brightness)
        self._arm_sleep()
        self.refresh()

    def view_for(self, index: int, now_wall: float) -> KeyView:
        key = self.keys.get(index)
        if key is None:
            return KeyView(blank=True)
        view = key.view(self.link, now_wall)
        flash = self.flashes.get(index)
        if flash is not None:
            if flash[1] > time.monotonic():
                view = _replace(view, flash=flash[0])
            else:
                del self.flashes[index]
        if not self.link.online:
            # Every key shows it; page keys still work (they need no Home Assistant).
            detail = "auth failed" if self.link.status is LinkStatus.AUTH_FAILED else "HA offline"
            view = _replace(
                view, offline=True, detail=detail, icon=None, countdown=None, progress=None
            )
        return view

    def refresh(self, changed: set[str] | None = None) -> None:
        """Redraw every key whose view changed (all when `changed` is None)."""
        if self.closed or self.renderer is None:
            return
        now_wall = self.clock()
        animated = False
        due: float | None = None
        for index in range(self.output.key_count):
            view = self.view_for(index, now_wall)
            if self.drawn.get(index) != view:
                self.drawn[index] = view
                self.output.set_key(index, self.renderer.render(view))
            key = self.keys.get(index)
            if key is not None and self.link.online:
                animated = animated or key.animated(self.link)
                due = _earliest(due, key.changes_at(self.link, now_wall))
        if self.output.strip_size is not None and self.output.dial_count:
            views = tuple(
                self.dials[i].view(self.link, now_wall) if i in self.dials else KeyView(blank=True)
                for i in range(self.output.dial_count)
            )
            if views != self.strip_drawn:
                self.strip_drawn = views
                scale = max(1, int(self.output.render_scale))
                w, h = self.output.strip_size
                self.output.set_strip(render_strip((w * scale, h * scale), list(views)))
            if self.link.online:
                for dial in self.dials.values():
                    due = _earliest(due, dial.changes_at(self.link, now_wall))
        if self.flashes:
            animated = True
        if animated and self._tick is None:
            self._tick = self._loop.call_later(1.0 - (now_wall % 1.0) + 0.01, self._ticked)
        self._arm_due(due, now_wall)

    def _ticked(self) -> None:
        self._tick = None
        self.refresh()

    def _arm_due(self, due: float | None, now_wall: float) -> None:
        """One timer for the next time-driven change (a finished key falling back to idle)."""
        if due == self.due_at and (due is None or self._due is not None):
            return
        if self._due is not None:
            self._due.cancel()
            self._due = None
        self.due_at = due
        if due is not None:
            self._due = self._loop.call_later(max(0.0, due - now_wall) + 0.05, self._came_due)

    def _came_due(self) -> None:
        if self._due is not None:
            self._due.cancel()  # harmless once fired; a direct call must not leave it armed
        self._due = None
        self.due_at = None
        self.refresh()

    def flash(self, index: int, message: str) -> None:
        self.flashes[index] = (message, time.monotonic() + FLASH_SECONDS)
        self.refresh()
        if self._tick is None:
            self._tick = self._loop.call_later(FLASH_SECONDS + 0.05, self._ticked)

    # -- input --------------------------------------------------------------------------

    def _touched(self) -> bool:
        """Note activity; True when this input only woke the deck (and must be ignored)."""
        self.last_input = time.monotonic()
        self._arm_sleep()
        if self.sleeping:
            self.sleeping = False
            self.output.set_brightness(self.config.brightness)
            _LOGGER.info("%s: awake", self.output.serial)
            return True
        return False

    def key_event(self, index: int, pressed: bool, at: float | None = None) -> None:
        if self.closed:
            return
        if pressed:
            if self._touched():
                self.swallow.add(index)
                return
            key = self.keys.get(index)
            if key is not None:
                self.tracker.down(key, at)
        else:
            if index in self.swallow:
                self.swallow.discard(index)
                return
            self.tracker.up(index, at)

    def dial_event(self, index: int, kind: str, value: int, at: float | None = None) -> None:
        if self.closed or self._touched():
            return
        dial = self.dials.get(index)
        if dial is None:
            return
        if kind == "turn":
            self._carry_out(None, dial.turn(value), f"dial {index}", at)
        elif value:  # pushed down
            self._carry_out(None, dial.push(self.link), f"dial {index}", at)

    def touch_event(self, kind: str, value: dict[str, int], at: float | None = None) -> None:
        if self.closed or self._touched():
            return
        if kind == "drag":
            dx = value.get("x_out", 0) - value.get("x", 0)
            names = [p.name for p in self.config.pages]
            pos = names.index(self.page.name)
            if abs(dx) > 40:
                self.go_to(names[(pos + (1 if dx < 0 else -1)) % len(names)])
            return
        if self.output.strip_size and self.output.dial_count:
            segment = value.get("x", 0) * self.output.dial_count // self.output.strip_size[0]
            dial = self.dials.get(segment)
            if dial is not None:
                self._carry_out(None, dial.push(self.link), f"strip {segment}", at)

    def _fire(self, key: Key, what: str, at: float) -> None:
        intent = key.long_press(self.link) if what == "long_press" else key.press(self.link)
        self._carry_out(key.index, intent, f"key {key.index} {what}", at)

    def _carry_out(self, index: int | None, intent: Intent, what: str, at: float | None) -> None:
        _LOGGER.debug("%s: %s -> %s", self.output.serial, what, intent)
        if intent.kind == "page":
            self.go_to(intent.page)
        elif intent.kind == "back":
            self.back()
        elif intent.kind == "call":
            if not self.link.online:
                # Immediate visible feedback; never queued for later.
                _LOGGER.warning(
                    "%s: %s ignored: Home Assistant is %s",
                    self.output.serial,
                    what,
                    self.link.status.value,
                )
                if index is not None:
                    self.flash(index, "offline")
                return
            if self.on_action is not None:
                self.on_action(self.output.serial, intent, at or time.monotonic())
            task = self._loop.create_task(self._call(index, intent, what))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _call(self, index: int | None, intent: Intent, what: str) -> None:
        try:
            await self.link.call_service(intent.domain, intent.service, intent.data, intent.target)
        except HomeAssistantCommandError as err:
            _LOGGER.error(
                "%s: %s.%s failed: %s", what, intent.domain, intent.service, err.message or err.code
            )
            if index is not None:
                self.flash(index, "failed")
        except (HomeAssistantError, TimeoutError) as err:
            _LOGGER.error("%s: %s.%s not sent: %s", what, intent.domain, intent.service, err)
            if index is not None:
                self.flash(index, "offline")

    # -- sleep --------------------------------------------------------------------------

    def _arm_sleep(self) -> None:
        if self._sleep_timer is not None:
            self._sleep_timer.cancel()
            self._sleep_timer = None
        if self.config.sleep_after > 0 and not self.closed:
            self._sleep_timer = self._loop.call_later(self.config.sleep_after, self._sleep)

    def _sleep(self) -> None:
        self._sleep_timer = None
        if not self.sleeping and not self.closed:
            self.sleeping = True
            self.output.set_brightness(0)
            _LOGGER.info(
                "%s: asleep after %s s without input", self.output.serial, self.config.sleep_after
            )

    def detach(self) -> None:
        """Stop drawing and timing (the output is gone or closing)."""
        self.closed = True
        self.tracker.cancel()
        for handle in (self._tick, self._sleep_timer, self._due):
            if handle is not None:
                handle.cancel()
        self._tick = self._sleep_timer = self._due = None

    async def close(self) -> None:
        self.detach()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _earliest(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _replace(view: KeyView, **changes: Any) -> KeyView:
    from dataclasses import replace

    return replace(view, **changes)
