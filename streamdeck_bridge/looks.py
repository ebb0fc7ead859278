"""How each status looks on a key: the bridge's one table of status colours, icons and words.

The renderer takes its background and border colours from here, the keys their default icons
and the short words of the small "last outcome" label; nothing else defines a status colour.
"""

from __future__ import annotations

from dataclasses import dataclass

type RGB = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Look:
    colour: RGB
    icon: str | None = None
    word: str = ""  # the outcome in a word or two, for the small label of an idle key
    border: RGB | None = None


# Every colour is told apart from its neighbours by hue, not only by brightness: "on" is
# violet (an "On air" key is not a paused workflow), "done with errors" teal with an amber
# border (it succeeded, but look at it).
LOOKS: dict[str, Look] = {
    "idle": Look((38, 42, 51), word="idle"),
    "queued": Look((92, 84, 20), "clock", "queued"),
    "running": Look((0, 104, 204), "play", "running"),
    "paused": Look((196, 128, 0), "pause", "paused"),
    "succeeded": Look((27, 128, 58), "check", "ok"),
    "done_with_errors": Look((0, 112, 120), "warning", "errors", border=(255, 176, 32)),
    "failed": Look((178, 24, 43), "cross", "failed"),
    "cancelled": Look((92, 92, 104), "stop", "cancelled"),
    "unavailable": Look((48, 48, 48), "warning", "unavailable"),
    "on": Look((124, 58, 196), word="on"),
    "off": Look((38, 42, 51), word="off"),
}
FINISHED = ("succeeded", "done_with_errors", "failed", "cancelled")
# A run that is under way: its key shows the current state and counts a wait down.
ACTIVE = ("running", "queued")

STATUS_COLOURS: dict[str, RGB] = {name: look.colour for name, look in LOOKS.items()}
STATUS_ICONS: dict[str, str] = {name: look.icon for name, look in LOOKS.items() if look.icon}

OFFLINE_BORDER: RGB = (220, 40, 40)
BADGE_BACKGROUND: RGB = (255, 214, 0)  # the rehearsal badge: black on yellow, like a tape
BADGE_TEXT: RGB = (0, 0, 0)
DOT_RING: RGB = (255, 255, 255)


def look(status: str | None) -> Look:
    return LOOKS.get(status or "idle", LOOKS["idle"])
