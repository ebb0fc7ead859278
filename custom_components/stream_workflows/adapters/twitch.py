"""The `twitch` service: Twitch Helix through twitchAPI (catalog; the connection comes later)."""

from __future__ import annotations

import voluptuous as vol

from ..engine.adapter import ActionSpec
from .base import ConnectedAdapter

_text = vol.All(str, vol.Length(min=1))

ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec(
            name="send_chat_message",
            description="Send a message to the channel's chat.",
            params=vol.Schema({vol.Required("message"): vol.All(str, vol.Length(min=1, max=500))}),
            result={"message_id": "the message's id", "is_sent": "whether Twitch accepted it"},
            rehearsal=lambda _params: {"message_id": "simulated-message", "is_sent": True},
        ),
        ActionSpec(
            name="create_clip",
            description="Clip the live stream.",
            params=vol.Schema({vol.Optional("title"): str, vol.Optional("has_delay", default=False): bool}),
            result={"id": "the clip's id", "url": "the clip's address", "edit_url": "its editor"},
            rehearsal=lambda _params: {
                "id": "SimulatedClip",
                "url": "https://clips.twitch.tv/SimulatedClip",
                "edit_url": "https://clips.twitch.tv/SimulatedClip/edit",
            },
        ),
        ActionSpec(
            name="raid_channel",
            description="Start a raid on another channel, by its name.",
            params=vol.Schema({vol.Required("target_channel"): _text}),
            result={"created_at": "when the raid was created", "is_mature": "the target's flag"},
            rehearsal=lambda _params: {"created_at": "2026-01-01T20:00:00Z", "is_mature": False},
        ),
    )
}


class TwitchAdapter(ConnectedAdapter):
    """Twitch actions."""

    service = "twitch"
    catalog = ACTIONS
    setup_hint = "add a Twitch account in Stream Workflows"
