"""The virtual deck: a web page on 127.0.0.1 that looks and works like a Stream Deck.

The page shows the key images from the same renderer as the hardware, pushed live over a
websocket; mouse/touch down and up go back over the websocket into the same `Surface` key
handling (long presses included). The model (key grid, key size, dials) comes from the
`streamdeck` package's own model classes.

Images are drawn at `render_scale` times the key size (2x, or 3x once a page reports a denser
screen), shown at the key size in CSS pixels: sharp on HiDPI screens. The page scales the
whole deck down to fit a narrow screen.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web
from PIL import Image
from StreamDeck.DeviceManager import DeviceManager

from .render import to_png

_LOGGER = logging.getLogger(__name__)

# Model choice -> the streamdeck package's class for it.
MODELS = {
    "original": "StreamDeckOriginalV2",
    "mini": "StreamDeckMini",
    "neo": "StreamDeckNeo",
    "xl": "StreamDeckXL",
    "plus": "StreamDeckPlus",
    "plus-xl": "StreamDeckPlusXL",
}
DEFAULT_MODEL = "original"
# Key images are drawn at this multiple of the key size, so they are sharp on a 2x screen;
# a page on a denser screen asks for more, up to MAX_SCALE.
DEFAULT_SCALE = 2
MAX_SCALE = 3


def model_info(model: str) -> dict[str, Any]:
    """Key count, grid, key size, dials and touch strip of a model, from the library."""
    wanted = MODELS.get(model, model)
    decks = DeviceManager(transport="dummy").enumerate()
    for deck in decks:
        if type(deck).__name__ == wanted:
            fmt = deck.touchscreen_image_format() if deck.is_touch() else None
            rows, cols = deck.key_layout()
            return {
                "model": str(deck.deck_type()),
                "keys": int(deck.key_count()),
                "rows": int(rows),
                "cols": int(cols),
                "key_size": tuple(deck.key_image_format()["size"]),
                "dials": int(deck.dial_count()),
                "strip_size": tuple(fmt["size"]) if fmt else None,
            }
    raise ValueError(f"unknown model {model!r}; choose one of: {', '.join(MODELS)}")


class VirtualDeck:
    """A KeyOutput that keeps the latest images and pushes them to every open page."""

    def __init__(self, model: str = DEFAULT_MODEL, serial: str = "virtual") -> None:
        info = model_info(model)
        self.serial = serial
        self.model = str(info["model"])
        self.key_count = int(info["keys"])
        self.rows = int(info["rows"])
        self.cols = int(info["cols"])
        self.key_size: tuple[int, int] = info["key_size"]
        self.render_scale = DEFAULT_SCALE
        self.on_rescale: Callable[[], None] | None = None  # set by the app: redraw all
        self.dial_count = int(info["dials"])
        self.strip_size: tuple[int, int] | None = info["strip_size"]
        self.brightness = 100
        self.images: dict[int | str, str] = {}
        self.clients: set[web.WebSocketResponse] = set()
        self.on_write: Callable[[int | str, float], None] | None = None
        # Set by the app: where clicks go.
        self.key_event: Callable[[int, bool, float], None] | None = None
        self.dial_event: Callable[[int, str, int, float], None] | None = None
        self.touch_event: Callable[[str, dict[str, int], float], None] | None = None

    def _send(self, message: dict[str, Any]) -> None:
        text = json.dumps(message)
        for ws in list(self.clients):
            if ws.closed:
                self.clients.discard(ws)
                continue
            task = asyncio.get_running_loop().create_task(ws.send_str(text))
            task.add_done_callback(_ignore_result)

    def set_key(self, key: int, image: Image.Image) -> None:
        data = base64.b64encode(to_png(image)).decode()
        self.images[key] = data
        self._send({"type": "key", "key": key, "png": data})
        if self.on_write is not None:
            self.on_write(key, time.monotonic())

    def set_strip(self, image: Image.Image) -> None:
        data = base64.b64encode(to_png(image)).decode()
        self.images["strip"] = data
        self._send({"type": "strip", "png": data})

    def set_brightness(self, percent: int) -> None:
        self.brightness = percent
        self._send({"type": "brightness", "value": percent})

    def screen_density(self, ratio: float) -> None:
        """A page reports its devicePixelRatio: draw for the densest screen seen (2x to 3x)."""
        if not math.isfinite(ratio) or ratio <= 0:
            return
        wanted = min(MAX_SCALE, max(DEFAULT_SCALE, math.ceil(ratio - 0.01)))
        if wanted > self.render_scale:
            _LOGGER.info("Virtual deck: drawing keys at %dx for a %.2fx screen", wanted, ratio)
            self.render_scale = wanted
            if self.on_rescale is not None:
                self.on_rescale()

    def layout_message(self) -> dict[str, Any]:
        return {
            "type": "layout",
            "model": self.model,
            "rows": self.rows,
            "cols": self.cols,
            "keys": self.key_count,
            "key_size": list(self.key_size),
            "scale": self.render_scale,
            "dials": self.dial_count,
            "strip_size": list(self.strip_size) if self.strip_size else None,
            "brightness": self.brightness,
        }


def _ignore_result(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Virtual Stream Deck</title>
<style>
 /* Keys are at most their hardware size in CSS pixels (images come at 2x or more, for HiDPI
    screens); on a narrow screen the whole deck scales down to the width, keys kept square. */
 body { background:#15171c; color:#ccd; font-family:sans-serif; display:flex;
        flex-direction:column; align-items:center; margin:2em; overflow-wrap:anywhere; }
 #deck { --gap:min(12px, 2.4vw); --pad:min(18px, 3.6vw); background:#050505;
         padding:var(--pad); border-radius:min(18px, 3.6vw); display:grid; gap:var(--gap);
         box-shadow:0 8px 30px #000; max-width:100%; box-sizing:border-box; }
 .key { display:block; width:100%; height:auto; border-radius:14%; cursor:pointer;
        user-select:none; background:#000; -webkit-user-drag:none; touch-action:none; }
 .key.down { transform:scale(0.94); }
 #strip { margin-top:12px; border-radius:6px; cursor:pointer; max-width:100%; height:auto; }
 #dials { display:flex; flex-wrap:wrap; justify-content:center; gap:12px 16px; margin-top:12px;
          max-width:100%; }
 .dial { white-space:nowrap; }
 .dial button { width:2.4em; height:2.4em; border-radius:50%; border:0; margin:0 2px; }
 #status { margin-top:1em; font-size:0.9em; }
 @media (max-width: 600px) {
   body { margin:12px 8px; }
   h1 { font-size:1.4em; text-align:center; }
   #dials { display:grid; grid-template-columns:repeat(2, auto); justify-content:center; }
 }
</style></head>
<body>
<h1 id="title">Virtual Stream Deck</h1>
<div id="deck"></div>
<img id="strip" hidden alt="touch strip">
<div id="dials"></div>
<div id="status">connecting…</div>
<script>
"use strict";
let ws, layout;
const deck = document.getElementById("deck");
function send(msg) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg)); }
function tellDensity() { send({type: "screen", dpr: window.devicePixelRatio || 1}); }
function watchDensity() {
  // Browser zoom and moving the window to another screen change devicePixelRatio.
  matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`)
    .addEventListener("change", () => { tellDensity(); watchDensity(); }, {once: true});
}
function build(l) {
  layout = l;
  document.getElementById("title").textContent = "Virtual " + l.model;
  deck.innerHTML = "";
  deck.style.gridTemplateColumns = `repeat(${l.cols}, minmax(0, ${l.key_size[0]}px))`;
  deck.style.filter = `brightness(${Math.max(l.brightness, 10)}%)`;
  for (let i = 0; i < l.keys; i++) {
    const img = document.createElement("img");
    img.className = "key"; img.id = "key-" + i; img.dataset.key = i;
    img.width = l.key_size[0]; img.height = l.key_size[1]; img.alt = "key " + i;
    img.draggable = false;
    const down = (e) => { e.preventDefault(); img.classList.add("down");
                          img.setPointerCapture && e.pointerId !== undefined &&
                          img.setPointerCapture(e.pointerId);
                          send({type: "key", key: i, pressed: true}); };
    const up = (e) => { if (!img.classList.contains("down")) return;
                        img.classList.remove("down");
                        send({type: "key", key: i, pressed: false}); };
    img.addEventListener("pointerdown", down);
    img.addEventListener("pointerup", up);
    img.addEventListener("pointercancel", up);
    deck.appendChild(img);
  }
  const strip = document.getElementById("strip");
  const dials = document.getElementById("dials");
  dials.innerHTML = "";
  if (l.strip_size) {
    strip.hidden = false; strip.width = l.strip_size[0]; strip.height = l.strip_size[1];
    // The strip may be shown smaller than its size: send positions in strip pixels.
    strip.onclick = (e) => {
      const k = l.strip_size[0] / (strip.clientWidth || l.strip_size[0]);
      send({type: "touch", kind: "short",
            x: Math.round(e.offsetX * k), y: Math.round(e.offsetY * k)});
    };
  } else { strip.hidden = true; }
  for (let d = 0; d < l.dials; d++) {
    const box = document.createElement("div"); box.className = "dial";
    for (const [label, msg] of [["⟲", {kind: "turn", value: -1}],
                                ["●", {kind: "push", value: 1}],
                                ["⟳", {kind: "turn", value: 1}]]) {
      const b = document.createElement("button"); b.textContent = label;
      b.id = `dial-${d}-${msg.kind}${msg.value < 0 ? "-left" : ""}`;
      b.onclick = () => {
        send({type: "dial", dial: d, ...msg});
        if (msg.kind === "push") send({type: "dial", dial: d, kind: "push", value: 0});
      };
      box.appendChild(b);
    }
    dials.appendChild(box);
  }
}
function connect() {
  ws = new WebSocket(`ws://${location.host}/ws`);
  ws.onopen = () => { document.getElementById("status").textContent = "connected";
                      tellDensity(); };
  ws.onclose = () => { document.getElementById("status").textContent = "disconnected; retrying…";
                       setTimeout(connect, 1000); };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === "layout") build(m);
    else if (m.type === "key") {
      const img = document.getElementById("key-" + m.key);
      if (img) { img.src = "data:image/png;base64," + m.png;
                 img.dataset.version = (Number(img.dataset.version || 0) + 1); }
    } else if (m.type === "strip") {
      document.getElementById("strip").src = "data:image/png;base64," + m.png;
    }
    else if (m.type === "brightness") deck.style.filter = `brightness(${Math.max(m.value, 10)}%)`;
  };
}
watchDensity();
connect();
</script>
</body></html>
"""


class VirtualServer:
    """The aiohttp site serving the page and its websocket on 127.0.0.1."""

    def __init__(self, deck: VirtualDeck, host: str = "127.0.0.1", port: int = 8765) -> None:
        self.deck = deck
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        app = web.Application()
        app.router.add_get("/", self._index)
        app.router.add_get("/ws", self._ws)
        self.app = app

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            for sock in getattr(site._server, "sockets", None) or []:
                self.port = int(sock.getsockname()[1])
        _LOGGER.info("Virtual %s at %s", self.deck.model, self.url)

    async def stop(self) -> None:
        for ws in list(self.deck.clients):
            with contextlib.suppress(Exception):
                await ws.close()
        self.deck.clients.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _index(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        deck = self.deck
        await ws.send_json(deck.layout_message())
        for key, data in sorted(deck.images.items(), key=lambda item: str(item[0])):
            if key == "strip":
                await ws.send_json({"type": "strip", "png": data})
            else:
                await ws.send_json({"type": "key", "key": key, "png": data})
        deck.clients.add(ws)
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    self._handle(json.loads(msg.data))
                except (ValueError, KeyError, TypeError) as err:
                    _LOGGER.debug("Ignoring a bad message from the page: %s", err)
        finally:
            deck.clients.discard(ws)
        return ws

    def _handle(self, message: dict[str, Any]) -> None:
        at = time.monotonic()
        deck = self.deck
        kind = message["type"]
        if kind == "key" and deck.key_event is not None:
            key = int(message["key"])
            if 0 <= key < deck.key_count:
                deck.key_event(key, bool(message["pressed"]), at)
        elif kind == "dial" and deck.dial_event is not None:
            deck.dial_event(int(message["dial"]), str(message["kind"]), int(message["value"]), at)
        elif kind == "screen":
            deck.screen_density(float(message["dpr"]))
        elif kind == "touch" and deck.touch_event is not None:
            deck.touch_event(
                str(message.get("kind", "short")),
                {"x": int(message["x"]), "y": int(message.get("y", 0))},
                at,
            )
