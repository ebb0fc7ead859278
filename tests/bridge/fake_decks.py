"""Stream Decks without hardware: the `streamdeck` package's own dummy transport.

Each `FakeDeck` is a real model class from `streamdeck==0.10.0` (`DeviceManager(transport=
"dummy")`) whose HID device reads key reports from a queue (so the deck's own reader thread
parses them and calls the key callback, as on hardware) and records what is written to it.
Unplugging makes reads fail with `TransportError`, exactly what the library sees when a deck
disappears: its reader closes the deck. Re-plugging puts a new deck object with the same serial
number (and a new HID path) on the bus.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from StreamDeck.DeviceManager import DeviceManager
from StreamDeck.Transport.Transport import TransportError

HEADER = {"StreamDeckOriginal": 1, "StreamDeckMini": 1}
_paths = itertools.count(1)


def dummy_deck(class_name: str) -> Any:
    for deck in DeviceManager(transport="dummy").enumerate():
        if type(deck).__name__ == class_name:
            return deck
    raise LookupError(class_name)


class FakeDeck:
    """One plugged-in dummy deck."""

    def __init__(self, class_name: str, serial: str) -> None:
        self.class_name = class_name
        self.serial = serial
        self.deck = dummy_deck(class_name)
        self.unplugged = False
        self.reports: queue.Queue[bytes] = queue.Queue()
        self.images: list[tuple[int, bytes, float]] = []
        self.brightness: list[int] = []
        self.resets = 0
        self.lock = threading.Lock()
        self.on_image: Callable[[int, float], None] | None = None
        deck = self.deck
        device = deck.device
        device._id = f"dummy:{class_name}:{next(_paths)}"
        original_set_key_image = deck.set_key_image
        original_set_brightness = deck.set_brightness
        original_reset = deck.reset

        def read(length: int) -> bytes:
            while True:
                if self.unplugged or not device.is_open():
                    raise TransportError("device gone")
                try:
                    return self.reports.get(timeout=0.02)
                except queue.Empty:
                    continue

        def set_key_image(key: int, image: Any) -> None:
            self._check()
            original_set_key_image(key, image)
            at = time.monotonic()
            with self.lock:
                self.images.append((key, bytes(image or b""), at))
            if self.on_image is not None:
                self.on_image(key, at)

        def set_brightness(percent: int) -> None:
            self._check()
            original_set_brightness(percent)
            with self.lock:
                self.brightness.append(int(percent))

        def reset() -> None:
            self._check()
            original_reset()
            self.resets += 1

        device.read = read
        deck.set_key_image = set_key_image
        deck.set_brightness = set_brightness
        deck.reset = reset
        deck.get_serial_number = lambda: self.serial
        self.key_states = [0] * deck.key_count()

    def _check(self) -> None:
        if self.unplugged:
            raise TransportError("device gone")

    # -- input ------------------------------------------------------------------------

    def key(self, index: int, pressed: bool) -> None:
        """Queue a HID key report: the deck's reader thread turns it into a callback."""
        self.key_states[index] = 1 if pressed else 0
        header = bytes(HEADER.get(self.class_name, 4))
        self.reports.put(header + bytes(self.key_states))

    def tap(self, index: int) -> None:
        self.key(index, True)
        self.key(index, False)

    # -- what was written ---------------------------------------------------------------

    def image_count(self, key: int | None = None) -> int:
        with self.lock:
            return sum(1 for k, _, _ in self.images if key is None or k == key)

    def last_image(self, key: int) -> bytes | None:
        with self.lock:
            for k, data, _ in reversed(self.images):
                if k == key:
                    return data
        return None

    @property
    def reader_alive(self) -> bool:
        thread = getattr(self.deck, "read_thread", None)
        return thread is not None and thread.is_alive()


class FakeBus:
    """The USB bus: what `enumerate` sees."""

    def __init__(self) -> None:
        self.decks: list[FakeDeck] = []
        self.all: list[FakeDeck] = []

    def plug(self, class_name: str, serial: str) -> FakeDeck:
        fake = FakeDeck(class_name, serial)
        self.decks.append(fake)
        self.all.append(fake)
        return fake

    def unplug(self, fake: FakeDeck) -> None:
        fake.unplugged = True
        self.decks.remove(fake)

    def enumerate(self) -> list[Any]:
        return [fake.deck for fake in list(self.decks)]

    def close_all(self) -> None:
        """Safety net for a failing test: no reader thread may outlive it."""
        for fake in self.all:
            fake.unplugged = True
            thread = getattr(fake.deck, "read_thread", None)
            if thread is not None:
                fake.deck.run_read_thread = False
                thread.join(timeout=5)
