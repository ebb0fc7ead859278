"""Key images, drawn with Pillow from bundled fonts and icons (nothing fetched at run time).

A key is described by a `KeyView` (what to show); `KeyRenderer` turns it into an image of one
size: the hardware's key size, or a multiple of it for the virtual deck on HiDPI screens. Every
measure is a fraction of the size, so a 2x image has the 1x layout, drawn sharper. Hardware decks
and the virtual deck use the same renderer; colours and icons per status come from `looks`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .looks import (
    BADGE_BACKGROUND,
    BADGE_TEXT,
    DOT_RING,
    OFFLINE_BORDER,
    RGB,
    STATUS_COLOURS,
    look,
)

ASSETS = Path(__file__).resolve().parent / "assets"
FONT_BOLD = ASSETS / "fonts" / "DejaVuSans-Bold.ttf"
FONT_NARROW = ASSETS / "fonts" / "DejaVuSansCondensed.ttf"

TEXT: RGB = (255, 255, 255)
LINE = 1.12  # line height as a multiple of the font size
DIM_TEXT: RGB = (210, 214, 222)


@dataclass(frozen=True, slots=True)
class KeyView:
    """Everything a key image shows. Hashable, so images are cached per distinct view."""

    label: str = ""
    detail: str = ""
    status: str | None = None
    icon: str | None = None
    colour: RGB | None = None
    progress: float | None = None
    countdown: str | None = None
    offline: bool = False
    flash: str | None = None
    blank: bool = False
    badge: str | None = None  # a band across the top, e.g. "REHEARSAL"
    outcome: str | None = None  # a small dot in that status's colour: the last outcome


__all__ = ["STATUS_COLOURS", "KeyRenderer", "KeyView", "bundled_icons", "hex_colour", "to_png"]


def hex_colour(value: str | None) -> RGB | None:
    if not value:
        return None
    value = value.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


@cache
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


@cache
def icon_image(name: str) -> Image.Image | None:
    """A bundled icon by name (`play`), or an image file by path; None when missing."""
    path = Path(name).expanduser()
    if not path.suffix:
        path = ASSETS / "icons" / f"{name}.png"
    try:
        with Image.open(path) as img:
            converted: Image.Image = img.convert("RGBA")
            return converted
    except OSError:
        return None


@lru_cache(maxsize=256)
def _scaled_icon(name: str, size: int) -> Image.Image:
    """An icon at one size (icons are drawn large, 256 px, and scaled down per key size)."""
    icon = icon_image(name)
    assert icon is not None
    return icon.resize((size, size), Image.Resampling.LANCZOS)


def bundled_icons() -> list[str]:
    return sorted(p.stem for p in (ASSETS / "icons").glob("*.png"))


def _fit(
    draw: ImageDraw.ImageDraw,
    text: str,
    path: Path,
    width: int,
    start: int,
    smallest: int,
    height: int | None = None,
    lines_at_most: int = 2,
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font (down to `smallest`) that fits text on at most `lines_at_most` lines."""
    words = text.split()
    for size in range(start, smallest - 1, -1):
        font = _font(path, size)
        max_lines = (
            lines_at_most if height is None else min(lines_at_most, int(height // (size * LINE)))
        )
        if max_lines < 1:
            continue
        lines: list[str] = []
        for word in words:
            if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        if len(lines) <= max_lines and all(
            draw.textlength(line, font=font) <= width for line in lines
        ):
            return font, lines
    font = _font(path, smallest)
    lines = [text]
    while len(lines[0]) > 1 and draw.textlength(lines[0] + "…", font=font) > width:
        lines[0] = lines[0][:-1]
    return font, [lines[0] + ("…" if lines[0] != text else "")]


class KeyRenderer:
    """Draws KeyViews at one key size."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self.render = lru_cache(maxsize=512)(self._render)

    def _render(self, view: KeyView) -> Image.Image:
        w, h = self.size
        s = min(w, h)
        if view.blank:
            return Image.new("RGB", self.size, (0, 0, 0))
        status_look = look(view.status)
        bg = view.colour or status_look.colour
        if view.offline:
            bg = tuple(c // 3 for c in bg)  # type: ignore[assignment]
        img = Image.new("RGB", self.size, bg)
        draw = ImageDraw.Draw(img)
        pad = max(2, s // 18)
        if status_look.border is not None and not view.offline:
            border = max(2, s // 20)
            draw.rectangle([0, 0, w - 1, h - 1], outline=status_look.border, width=border)
            pad += border
        top, bottom = pad, h - pad
        if view.badge:
            top = self._badge(draw, view.badge, pad) + max(1, pad // 2)
        if view.outcome:
            # The last outcome of a key that fell back to idle: a ringed dot, top right.
            r = max(3, s // 12)
            cx, cy = w - pad - r, top + r
            ring = max(1, s // 48)
            outcome = look(view.outcome)
            draw.ellipse(
                [cx - r, cy - r, cx + r, cy + r],
                fill=outcome.colour,
                outline=outcome.border or DOT_RING,
                width=ring if outcome.border is None else max(2, ring * 2),
            )
            top = cy + r // 2
        # Bottom up: progress bar, then the detail line (or a big countdown), then the label
        # and icon share what is left.
        if view.progress is not None:
            bar_h = max(4, s // 12)
            bar_top = bottom - bar_h
            draw.rectangle([pad, bar_top, w - pad - 1, bottom], fill=(20, 20, 20))
            done = int((w - 2 * pad) * min(max(view.progress, 0.0), 1.0))
            if done > 0:
                draw.rectangle([pad, bar_top, pad + done - 1, bottom], fill=(255, 255, 255))
            bottom = bar_top - max(1, pad // 2)
        second = view.countdown or view.detail
        if second:
            big = bool(view.countdown)
            font2, lines2 = _fit(
                draw,
                second,
                FONT_BOLD if big else FONT_NARROW,
                w - 2 * pad,
                s // 4 if big else s // 7,
                max(7, s // 10),
                lines_at_most=1,
            )
            bottom -= int(font2.size)
            draw.text((w // 2, bottom), lines2[0], font=font2, fill=DIM_TEXT, anchor="ma")
            bottom -= max(1, pad // 2)
        icon_name = "offline" if view.offline else view.icon
        icon = icon_image(icon_name) if icon_name else None
        label_font: ImageFont.FreeTypeFont | None = None
        label_lines: list[str] = []
        smallest = max(8, s // 9)
        if view.label:
            room = bottom - top
            if icon is not None:
                room -= min(s * 2 // 5, room // 2)
            label_font, label_lines = _fit(
                draw, view.label, FONT_BOLD, w - 2 * pad, s // 5, smallest, max(room, smallest * 2)
            )
        label_h = int(len(label_lines) * (label_font.size if label_font else 0) * LINE)
        if icon is not None:
            isz = min(s * 3 // 5, bottom - top - label_h - (pad // 2 if label_h else 0))
            if isz >= s // 5:
                assert icon_name is not None
                scaled = _scaled_icon(icon_name, isz)
                free = bottom - top - label_h - isz
                y = top + max(0, free // 3)
                img.paste(scaled, ((w - isz) // 2, y), scaled)
                top = y + isz + max(1, pad // 2)
        if label_font is not None:
            y = top + max(0, (bottom - top - label_h) // 2)
            for line in label_lines:
                draw.text((w // 2, y), line, font=label_font, fill=TEXT, anchor="ma")
                y += int(label_font.size * LINE)
        if view.offline:
            draw.rectangle([0, 0, w - 1, h - 1], outline=OFFLINE_BORDER, width=max(2, s // 24))
        if view.flash:
            band = max(12, s // 4)
            top = (h - band) // 2
            draw.rectangle([0, top, w, top + band], fill=(0, 0, 0))
            font, lines = _fit(draw, view.flash, FONT_BOLD, w - 2, band * 2 // 3, 7)
            draw.text((w // 2, h // 2), lines[0], font=font, fill=(255, 90, 90), anchor="mm")
            draw.rectangle([0, 0, w - 1, h - 1], outline=(255, 255, 255), width=max(2, s // 24))
        return img

    def _badge(self, draw: ImageDraw.ImageDraw, text: str, pad: int) -> int:
        """A band across the top of the key; returns where the band ends."""
        w, h = self.size
        band = max(9, min(w, h) // 6)
        draw.rectangle([0, 0, w - 1, band - 1], fill=BADGE_BACKGROUND)
        font, lines = _fit(draw, text, FONT_BOLD, w - 2 * pad, band * 4 // 5, 6, lines_at_most=1)
        draw.text((w // 2, band // 2), lines[0], font=font, fill=BADGE_TEXT, anchor="mm")
        return band


def to_png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def render_strip(size: tuple[int, int], views: list[KeyView]) -> Image.Image:
    """The Stream Deck + touch strip: one segment per dial."""
    w, h = size
    img = Image.new("RGB", size, (0, 0, 0))
    if not views:
        return img
    seg = w // len(views)
    renderer = KeyRenderer((seg - 4, h - 4))
    for i, view in enumerate(views):
        img.paste(renderer.render(view), (i * seg + 2, 2))
    return img
