"""Stream Deck hardware: discovery, hot-plug by serial number, and the thread-to-loop handoff.

The `streamdeck` library calls key, dial and touch callbacks on each deck's reader thread, and a
callback that raises there ends that thread (input is lost for good). So the callbacks installed
here do one thing: stamp the time and hand the event to the event loop with
`call_soon_threadsafe`, inside a `try` that swallows everything. Our code runs on the loop.

Image writes go through one writer thread per deck (HID writes block); the latest image per key
wins, so a burst of updates never queues stale frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from PIL import Image
from StreamDeck.DeviceManager import DeviceManager
from StreamDeck.Devices.StreamDeck import DialEventType, TouchscreenEventType
from StreamDeck.ImageHelpers import PILHelper
from StreamDeck.Transport.Transport import TransportError

_LOGGER = logging.getLogger(__name__)
POLL_INTERVAL = 0.5


class DeckEvents(Protocol):
    """Where a deck's events go; every method runs on the event loop."""

    def deck_attached(self, deck: DeckHandle) -> None: ...
    def deck_detached(self, deck: DeckHandle) -> None: ...
    def key_event(self, deck: DeckHandle, key: int, pressed: bool, at: float) -> None: ...
    def dial_event(self, deck: DeckHandle, dial: int, kind: str, value: int, at: float) -> None: ...
    def touch_event(
        self, deck: DeckHandle, kind: str, value: dict[str, int], at: float
    ) -> None: ...


class DeckHandle:
    """One open hardware deck (an output surface for `Surface`)."""

    def __init__(self, deck: Any, serial: str) -> None:
        self.deck = deck
        self.serial = serial
        self.model = str(deck.deck_type())
        self.path = str(deck.id())
        self.key_count = int(deck.key_count())
        rows, cols = deck.key_layout()
        self.key_layout: tuple[int, int] = (int(rows), int(cols))
        width, height = deck.key_image_format()["size"] if deck.is_visual() else (0, 0)
        self.key_size: tuple[int, int] = (int(width), int(height))
        self.render_scale = 1  # the hardware takes images at its native size
        self.dial_count = int(deck.dial_count())
        fmt = deck.touchscreen_image_format() if deck.is_touch() else None
        self.strip_size: tuple[int, int] | None = (
            (int(fmt["size"][0]), int(fmt["size"][1])) if fmt else None
        )
        self.visual = bool(deck.is_visual())
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"deck-{serial}")
        self._pending: dict[int | str, Image.Image | int] = {}
        self._drain: asyncio.Task[None] | None = None
        self.closed = False
        self.on_write: Callable[[int | str, float], None] | None = None

    def __repr__(self) -> str:
        return f"<{self.model} {self.serial}>"

    # -- output -------------------------------------------------------------------------

    def set_key(self, key: int, image: Image.Image) -> None:
        if self.visual and 0 <= key < self.key_count:
            self._queue(key, image)

    def set_strip(self, image: Image.Image) -> None:
        if self.strip_size is not None:
            self._queue("strip", image)

    def set_brightness(self, percent: int) -> None:
        self._queue("brightness", percent)

    def _queue(self, what: int | str, item: Image.Image | int) -> None:
        if self.closed:
            return
        self._pending[what] = item
        if self._drain is None or self._drain.done():
            self._drain = asyncio.get_running_loop().create_task(self._drain_pending())

    async def _drain_pending(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending and not self.closed:
            batch = self._pending
            self._pending = {}
            try:
                await loop.run_in_executor(self._executor, self._write, batch)
            except (TransportError, OSError, RuntimeError) as err:
                _LOGGER.debug("Write to %s failed: %s", self, err)
                return

    def _write(self, batch: dict[int | str, Image.Image | int]) -> None:
        """On the writer thread: convert to the deck's native format and write."""
        for what, item in batch.items():
            if isinstance(item, int):
                self.deck.set_brightness(item)
            elif what == "strip":
                assert self.strip_size is not None
                w, h = self.strip_size
                native = PILHelper.to_native_touchscreen_format(self.deck, item)
                self.deck.set_touchscreen_image(native, 0, 0, w, h)
            else:
                assert isinstance(what, int)
                native = PILHelper.to_native_key_format(self.deck, item)
                with self.deck:
                    self.deck.set_key_image(what, native)
            if self.on_write is not None:
                self.on_write(what, time.monotonic())

    def is_alive(self) -> bool:
        try:
            return bool(self.deck.is_open()) and bool(self.deck.connected())
        except (TransportError, OSError):
            return False

    # -- shutdown -----------------------------------------------------------------------

    async def close(self, *, blank: bool) -> None:
        """Blank (when asked and still connected), close, and stop every thread."""
        if self.closed:
            return
        if self._drain is not None:
            with contextlib.suppress(Exception):
                await self._drain
        self.closed = True
        await asyncio.get_running_loop().run_in_executor(self._executor, self._shutdown, blank)
        self._executor.shutdown(wait=True)

    def _shutdown(self, blank: bool) -> None:
        deck = self.deck
        with contextlib.suppress(TransportError, OSError):
            deck.set_key_callback(None)
            if deck.dial_count():
                deck.set_dial_callback(None)
            if deck.is_touch():
                deck.set_touchscreen_callback(None)
            if blank and deck.is_open():
                with deck:
                    deck.reset()
        with contextlib.suppress(TransportError, OSError):
            deck.close()
        stop_reader(deck)


def stop_reader(deck: Any) -> None:
    """End a closed deck's reader thread and wait for it (the library leaves it running)."""
    deck.run_read_thread = False
    thread = getattr(deck, "read_thread", None)
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout=5)


def default_enumerate() -> list[Any]:
    return list(DeviceManager().enumerate())


class DeckManager:
    """Finds decks, opens them, notices unplugging and re-plugging (polled)."""

    def __init__(
        self,
        events: DeckEvents,
        *,
        enumerate_decks: Callable[[], list[Any]] = default_enumerate,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self.events = events
        self._enumerate = enumerate_decks
        self.poll_interval = poll_interval
        self.decks: dict[str, DeckHandle] = {}
        self._task: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deck-scan")
        self._warned = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._poll(), name="deck-poll")

    async def stop(self, *, blank: bool = True) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for handle in list(self.decks.values()):
            await handle.close(blank=blank)
        self.decks.clear()
        self._executor.shutdown(wait=True)

    async def _poll(self) -> None:
        while True:
            await self.scan()
            await asyncio.sleep(self.poll_interval)

    async def scan(self) -> None:
        """One discovery pass: drop dead decks, open new ones."""
        loop = asyncio.get_running_loop()
        for serial, gone in list(self.decks.items()):
            if not gone.is_alive():
                _LOGGER.warning("Deck %s (%s) was unplugged", serial, gone.model)
                del self.decks[serial]
                await gone.close(blank=False)
                self.events.deck_detached(gone)
        try:
            found = await loop.run_in_executor(self._executor, self._enumerate)
        except Exception as err:  # no HID library, permissions…: say so once, keep polling
            if not self._warned:
                _LOGGER.error("Cannot look for Stream Decks: %s", err)
                self._warned = True
            return
        open_paths = {h.path for h in self.decks.values()}
        for deck in found:
            try:
                if str(deck.id()) in open_paths:
                    continue
            except (TransportError, OSError):
                continue
            handle = await loop.run_in_executor(self._executor, self._open, deck)
            if handle is None:
                continue
            if handle.serial in self.decks:  # the same deck under a second path
                await handle.close(blank=False)
                continue
            self._install_callbacks(handle, loop)
            self.decks[handle.serial] = handle
            _LOGGER.info(
                "Deck %s attached: %s, %d keys%s",
                handle.serial,
                handle.model,
                handle.key_count,
                f", {handle.dial_count} dials" if handle.dial_count else "",
            )
            self.events.deck_attached(handle)

    def _open(self, deck: Any) -> DeckHandle | None:
        """On the scan thread: open a deck and read its serial number."""
        try:
            deck.open()
            deck.reset()
            serial = str(deck.get_serial_number() or "").strip() or str(deck.id())
            return DeckHandle(deck, serial)
        except (TransportError, OSError) as err:
            _LOGGER.warning("Cannot open a %s: %s", deck.deck_type(), err)
            with contextlib.suppress(Exception):
                deck.close()
                stop_reader(deck)
            return None

    def _install_callbacks(self, handle: DeckHandle, loop: asyncio.AbstractEventLoop) -> None:
        events = self.events

        def on_key(_deck: Any, key: int, pressed: bool) -> None:
            # Runs on the deck's reader thread: only hand over; never raise.
            with contextlib.suppress(BaseException):  # the loop may be closing
                loop.call_soon_threadsafe(
                    _guarded, events.key_event, handle, key, bool(pressed), time.monotonic()
                )

        def on_dial(_deck: Any, dial: int, kind: Any, value: Any) -> None:
            try:  # as on_key
                name = "turn" if kind == DialEventType.TURN else "push"
                loop.call_soon_threadsafe(
                    _guarded, events.dial_event, handle, dial, name, int(value), time.monotonic()
                )
            except BaseException:
                pass

        def on_touch(_deck: Any, kind: Any, value: Any) -> None:
            try:
                name = {
                    TouchscreenEventType.SHORT: "short",
                    TouchscreenEventType.LONG: "long",
                    TouchscreenEventType.DRAG: "drag",
                }.get(kind, "short")
                loop.call_soon_threadsafe(
                    _guarded, events.touch_event, handle, name, dict(value), time.monotonic()
                )
            except BaseException:
                pass

        handle.deck.set_key_callback(on_key)
        if handle.dial_count:
            handle.deck.set_dial_callback(on_dial)
        if handle.deck.is_touch():
            handle.deck.set_touchscreen_callback(on_touch)


def _guarded(func: Callable[..., None], *args: Any) -> None:
    """On the loop: run a handler; an error is logged and input keeps working."""
    try:
        func(*args)
    except Exception:
        _LOGGER.exception("Error handling a deck event")
