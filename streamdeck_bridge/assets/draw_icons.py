"""Draws the bundled key icons (icons/*.png): white shapes on transparent, 256 px.

Run `python -m streamdeck_bridge.assets.draw_icons` after changing a shape. The shapes are
drawn at 4x on a 64-unit grid and scaled down, so their edges are smooth: the virtual deck
shows icons at up to 3x a key's size (130 px on a 72 px key) and they stay sharp.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 256
OVERSAMPLE = 4
UNIT = SIZE * OVERSAMPLE / 64  # drawing pixels per grid unit
ICONS = Path(__file__).resolve().parent / "icons"

type Point = tuple[float, float]
type Draw = Callable[[ImageDraw.ImageDraw], None]

ON, OFF = 255, 0  # on the alpha mask: opaque, cut out


def _p(*points: Point) -> list[tuple[float, float]]:
    return [(x * UNIT, y * UNIT) for x, y in points]


def _w(units: float) -> int:
    return round(units * UNIT)


def _circle(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: int = ON) -> None:
    d.ellipse(_p((cx - r, cy - r), (cx + r, cy + r)), fill=fill)


def _line(d: ImageDraw.ImageDraw, points: list[Point], width: float, fill: int = ON) -> None:
    d.line(_p(*points), fill=fill, width=_w(width), joint="curve")
    for x, y in (points[0], points[-1]):  # round caps
        _circle(d, x, y, width / 2, fill)


def back(d: ImageDraw.ImageDraw) -> None:
    d.polygon(_p((7, 32), (30, 11), (30, 23), (57, 23), (57, 41), (30, 41), (30, 53)), fill=ON)


def bolt(d: ImageDraw.ImageDraw) -> None:
    d.polygon(_p((42, 4), (14, 37), (29, 37), (23, 61), (51, 25), (36, 25)), fill=ON)


def bulb(d: ImageDraw.ImageDraw) -> None:
    _circle(d, 32, 21, 15)
    d.polygon(_p((22, 30), (42, 30), (39, 45), (25, 45)), fill=ON)
    d.rounded_rectangle(_p((24, 47), (40, 51)), radius=_w(1), fill=ON)
    d.rounded_rectangle(_p((26, 54), (38, 58)), radius=_w(2), fill=ON)


def check(d: ImageDraw.ImageDraw) -> None:
    _line(d, [(11, 34), (25, 48), (53, 17)], 8)


def clock(d: ImageDraw.ImageDraw) -> None:
    _circle(d, 32, 32, 25)
    _circle(d, 32, 32, 20, OFF)
    _line(d, [(32, 15), (32, 32), (43, 40)], 4.5)


def cross(d: ImageDraw.ImageDraw) -> None:
    _line(d, [(14, 14), (50, 50)], 8)
    _line(d, [(50, 14), (14, 50)], 8)


def dial(d: ImageDraw.ImageDraw) -> None:
    d.polygon(_p((3, 32), (20, 15), (20, 25), (44, 25), (44, 15), (61, 32), (44, 49), (44, 39),
                 (20, 39), (20, 49)), fill=ON)  # fmt: skip


def folder(d: ImageDraw.ImageDraw) -> None:
    d.rounded_rectangle(_p((5, 14), (27, 24)), radius=_w(2), fill=ON)
    d.rounded_rectangle(_p((5, 20), (59, 53)), radius=_w(2.5), fill=ON)


def offline(d: ImageDraw.ImageDraw) -> None:
    _circle(d, 18, 40, 10)
    _circle(d, 34, 29, 13)
    _circle(d, 47, 40, 10)
    d.rectangle(_p((18, 38), (47, 50)), fill=ON)
    _line(d, [(8, 8), (57, 57)], 9, OFF)  # a gap on both sides of the slash
    _line(d, [(8, 8), (57, 57)], 3.5)


def pause(d: ImageDraw.ImageDraw) -> None:
    d.rounded_rectangle(_p((16, 11), (27, 53)), radius=_w(2), fill=ON)
    d.rounded_rectangle(_p((37, 11), (48, 53)), radius=_w(2), fill=ON)


def play(d: ImageDraw.ImageDraw) -> None:
    d.polygon(_p((18, 9), (18, 55), (55, 32)), fill=ON)


def power(d: ImageDraw.ImageDraw) -> None:
    cx, cy, r = 32.0, 35.0, 17.0
    box = _p((cx - r, cy - r), (cx + r, cy + r))
    d.arc(box, start=-50, end=230, fill=ON, width=_w(6))
    for angle in (-50, 230):  # round the arc's ends
        a = math.radians(angle)
        _circle(d, cx + (r - 3) * math.cos(a), cy + (r - 3) * math.sin(a), 3)
    _line(d, [(32, 9), (32, 31)], 6)


def stop(d: ImageDraw.ImageDraw) -> None:
    d.rounded_rectangle(_p((12, 12), (52, 52)), radius=_w(3), fill=ON)


def warning(d: ImageDraw.ImageDraw) -> None:
    d.polygon(_p((32, 5), (61, 57), (3, 57)), fill=ON)
    d.rounded_rectangle(_p((29, 22), (35, 42)), radius=_w(2), fill=OFF)
    _circle(d, 32, 49, 3.5, OFF)


SHAPES: dict[str, Draw] = {
    "back": back,
    "bolt": bolt,
    "bulb": bulb,
    "check": check,
    "clock": clock,
    "cross": cross,
    "dial": dial,
    "folder": folder,
    "offline": offline,
    "pause": pause,
    "play": play,
    "power": power,
    "stop": stop,
    "warning": warning,
}


def draw(shape: Draw) -> Image.Image:
    mask = Image.new("L", (SIZE * OVERSAMPLE, SIZE * OVERSAMPLE), OFF)
    shape(ImageDraw.Draw(mask))
    alpha = mask.resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    icon = Image.new("RGBA", (SIZE, SIZE), (255, 255, 255, 0))
    icon.putalpha(alpha)
    return icon


def main() -> None:
    for name, shape in SHAPES.items():
        draw(shape).save(ICONS / f"{name}.png", optimize=True)


if __name__ == "__main__":
    main()
