"""A local stand-in for an Ollama server, speaking its wire format, scripted to play the model.

`/api/tags` lists one model; `/api/chat` answers each request with the next scripted reply,
streamed as Ollama streams (one JSON object a line, the last with `done: true`). A reply is a
dict ({"content": ...} and/or {"tool_calls": [{"name", "arguments"}]}, or {"json": VALUE} for
a structured answer, sent as its JSON text) or a function of the request's messages returning
one, so a script can read the tool results it was sent. `requests` keeps every request's body
(its `format` is the JSON schema asked for by structured output).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

MODEL = "scripted:latest"
CREATED = "2025-01-01T00:00:00Z"
type Reply = dict[str, Any] | Callable[[list[dict[str, Any]]], dict[str, Any]]


class OllamaServer:
    """aiohttp on 127.0.0.1; `script` is consumed one reply per `/api/chat` request."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_get("/api/tags", self._tags)
        app.router.add_post("/api/chat", self._chat)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _tags(self, request: web.Request) -> web.Response:
        model = {
            "name": MODEL,
            "model": MODEL,
            "modified_at": CREATED,
            "size": 1,
            "digest": "0" * 64,
            "details": {"format": "gguf", "family": "llama"},
        }
        return web.json_response({"models": [model]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        if not self.script:
            return web.json_response({"error": "the script has no reply left"}, status=500)
        reply = self.script.pop(0)
        if callable(reply):
            reply = reply(body.get("messages", []))
        content = json.dumps(reply["json"]) if "json" in reply else reply.get("content", "")
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if reply.get("tool_calls"):
            message["tool_calls"] = [
                {"function": {"name": c["name"], "arguments": c.get("arguments", {})}}
                for c in reply["tool_calls"]
            ]
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        await response.prepare(request)
        chunks = [
            {"model": MODEL, "created_at": CREATED, "message": message, "done": False},
            {
                "model": MODEL,
                "created_at": CREATED,
                "done": True,
                "done_reason": "stop",
                "message": {"role": "assistant", "content": ""},
            },
        ]
        for chunk in chunks:
            await response.write(json.dumps(chunk).encode() + b"\n")
        await response.write_eof()
        return response


def last_tool_result(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The newest tool message's content, parsed."""
    for message in reversed(messages):
        if message.get("role") == "tool":
            return json.loads(message.get("content") or "{}")  # type: ignore[no-any-return]
    return {}
