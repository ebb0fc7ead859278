"""The `twitch` service: Twitch Helix through twitchAPI (the catalog).

This module stays import-light (no twitchAPI): the command line and the config flow import it.
The connection that performs the actions lives in `twitch_client`.

Channels and categories are named the way a streamer names them (`target_channel: "somestreamer"`,
`category: "Just Chatting"`); the connection resolves names to Twitch ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import voluptuous as vol

from ..engine.adapter import ActionSpec
from .base import ConnectedAdapter

# The OAuth scopes each action needs (user access token of the broadcaster).
ACTION_SCOPES: dict[str, tuple[str, ...]] = {
    "send_chat_message": ("user:write:chat",),
    "create_clip": ("clips:edit",),
    "raid_channel": ("channel:manage:raids",),
    "cancel_raid": ("channel:manage:raids",),
    "create_stream_marker": ("channel:manage:broadcast",),
    "update_channel": ("channel:manage:broadcast",),
    "send_announcement": ("moderator:manage:announcements",),
    "send_shoutout": ("moderator:manage:shoutouts",),
    "start_commercial": ("channel:edit:commercial",),
    "create_poll": ("channel:manage:polls",),
    "create_prediction": ("channel:manage:predictions",),
}

# Stream events (the names `on_event` uses), their EventSub topic and the scope they need.
EVENT_TOPICS: dict[str, tuple[str, str, str | None]] = {
    "stream_started": ("stream.online", "1", None),
    "stream_stopped": ("stream.offline", "1", None),
    "follow": ("channel.follow", "2", "moderator:read:followers"),
    "subscribe": ("channel.subscribe", "1", "channel:read:subscriptions"),
    "subscription_gift": ("channel.subscription.gift", "1", "channel:read:subscriptions"),
    "cheer": ("channel.cheer", "1", "bits:read"),
    "raid": ("channel.raid", "1", None),
    "channel_points_redemption": (
        "channel.channel_points_custom_reward_redemption.add",
        "1",
        "channel:read:redemptions",
    ),
    "ad_break_begin": ("channel.ad_break.begin", "1", "channel:read:ads"),
}


def _required_scopes() -> list[str]:
    scopes: list[str] = []
    for needed in ACTION_SCOPES.values():
        scopes.extend(scope for scope in needed if scope not in scopes)
    for _topic, _version, scope in EVENT_TOPICS.values():
        if scope is not None and scope not in scopes:
            scopes.append(scope)
    return scopes


REQUIRED_SCOPES: list[str] = _required_scopes()
"""Every scope the actions and stream events need: ask for these when authorizing."""

ANNOUNCEMENT_COLORS = ("primary", "blue", "green", "orange", "purple")
COMMERCIAL_LENGTHS = (30, 60, 90, 120, 150, 180)
_LOGIN = re.compile(r"^[a-z0-9_]{1,25}$")
_URL_PREFIX = re.compile(r"^(?:https?://)?(?:www\.|m\.)?twitch\.tv/", re.IGNORECASE)


def channel_login(value: Any) -> str:
    """A channel as a login name: `@Name`, `Name` and `twitch.tv/name` all become `name`."""
    if not isinstance(value, str):
        raise vol.Invalid(f"expected a Twitch channel name, got {value!r}")
    login = _URL_PREFIX.sub("", value.strip()).strip("/").lstrip("@").lower()
    if not _LOGIN.match(login):
        raise vol.Invalid(f"'{value}' is not a Twitch channel name (letters, digits, underscores)")
    return login


def _text(max_length: int) -> vol.All:
    return vol.All(str, vol.Length(min=1, max=max_length))


def _int_in(low: int, high: int) -> vol.All:
    return vol.All(vol.Coerce(int), vol.Range(min=low, max=high))


def _tags(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise vol.Invalid(f"expected a list of tags, got {value!r}")
    if len(value) > 10:
        raise vol.Invalid("Twitch allows at most 10 tags")
    tags: list[str] = []
    for tag in value:
        if not isinstance(tag, str) or not tag or len(tag) > 25 or not tag.isalnum():
            raise vol.Invalid(f"tag {tag!r} must be 1 to 25 letters or digits, without spaces")
        tags.append(tag)
    return tags


def _choices(low: int, high: int, max_length: int) -> vol.All:
    return vol.All(
        [_text(max_length)],
        vol.Length(min=low, max=high, msg=f"expected {low} to {high} choices"),
    )


def _at_least_one_change(params: dict[str, Any]) -> dict[str, Any]:
    if not any(key in params for key in ("title", "category", "tags", "language")):
        raise vol.Invalid("give at least one of 'title', 'category', 'tags', 'language'")
    return params


def _update_result(params: Mapping[str, Any]) -> dict[str, Any]:
    result = {key: params[key] for key in ("title", "tags", "language") if key in params}
    if "category" in params:
        result["category"] = params["category"]
        result["category_id"] = "509658" if params["category"] else ""
    return result


def _poll_result(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": "simulated-poll",
        "status": "ACTIVE",
        "title": params["title"],
        "choices": [
            {"id": f"simulated-choice-{index}", "title": title}
            for index, title in enumerate(params["choices"], 1)
        ],
    }


def _prediction_result(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": "simulated-prediction",
        "status": "ACTIVE",
        "title": params["title"],
        "outcomes": [
            {"id": f"simulated-outcome-{index}", "title": title, "color": color}
            for index, (title, color) in enumerate(
                zip(params["outcomes"], ("BLUE", *(["PINK"] * 9)), strict=False), 1
            )
        ],
    }


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec(
            name="send_chat_message",
            description="Send a message to the channel's chat (as the connected account).",
            params=vol.Schema(
                {
                    vol.Required("message"): _text(500),
                    vol.Optional("reply_to"): _text(100),
                }
            ),
            result={"message_id": "the message's id", "is_sent": "whether Twitch accepted it"},
            rehearsal=lambda _params: {"message_id": "simulated-message", "is_sent": True},
        ),
        ActionSpec(
            name="create_clip",
            description=(
                "Clip the live stream (the last `duration` seconds, 30 by default). `title` is "
                "sent to Twitch as the clip's title; the result's `url` is the clip's address."
            ),
            params=vol.Schema(
                {
                    vol.Optional("title"): vol.All(str, vol.Length(max=140)),
                    vol.Optional("duration"): vol.All(vol.Coerce(float), vol.Range(min=5, max=60)),
                    vol.Optional("has_delay", default=False): bool,
                }
            ),
            result={
                "id": "the clip's id",
                "url": "the clip's address (https://clips.twitch.tv/<id>)",
                "edit_url": "where to edit it",
                "title": "the title asked for (None when Twitch chose it)",
            },
            rehearsal=lambda params: {
                "id": "SimulatedClip",
                "url": "https://clips.twitch.tv/SimulatedClip",
                "edit_url": "https://clips.twitch.tv/SimulatedClip/edit",
                "title": params.get("title"),
            },
        ),
        ActionSpec(
            name="raid_channel",
            description="Start a raid on another channel, by its name.",
            params=vol.Schema({vol.Required("target_channel"): channel_login}),
            result={
                "target_id": "the raided channel's user id",
                "target_login": "its login name",
                "created_at": "when the raid was created",
                "is_mature": "the target's mature flag",
            },
            rehearsal=lambda params: {
                "target_id": "100000001",
                "target_login": params["target_channel"],
                "created_at": "2026-01-01T20:00:00Z",
                "is_mature": False,
            },
        ),
        ActionSpec(
            name="cancel_raid",
            description="Cancel the pending raid.",
            params=vol.Schema({}),
            result={"cancelled": "true once Twitch cancelled it"},
            rehearsal=lambda _params: {"cancelled": True},
        ),
        ActionSpec(
            name="create_stream_marker",
            description="Mark the current moment of the live stream (for highlights later).",
            params=vol.Schema({vol.Optional("description"): vol.All(str, vol.Length(max=140))}),
            result={
                "id": "the marker's id",
                "created_at": "when it was created",
                "position_seconds": "its position in the stream",
                "description": "its description",
            },
            rehearsal=lambda params: {
                "id": "simulated-marker",
                "created_at": "2026-01-01T20:00:00Z",
                "position_seconds": 0,
                "description": params.get("description", ""),
            },
        ),
        ActionSpec(
            name="update_channel",
            description=(
                "Change the stream's title, category (by name; empty text clears it), tags or "
                "language."
            ),
            params=vol.Schema(
                vol.All(
                    vol.Schema(
                        {
                            vol.Optional("title"): _text(140),
                            vol.Optional("category"): str,
                            vol.Optional("tags"): _tags,
                            vol.Optional("language"): vol.All(str, vol.Length(min=2, max=5)),
                        }
                    ),
                    _at_least_one_change,
                )
            ),
            result={
                "title": "the title set",
                "category": "the category set",
                "category_id": "its Twitch id",
                "tags": "the tags set",
                "language": "the language set",
            },
            rehearsal=_update_result,
        ),
        ActionSpec(
            name="send_announcement",
            description="Post a highlighted announcement in chat.",
            params=vol.Schema(
                {
                    vol.Required("message"): _text(500),
                    vol.Optional("color", default="primary"): vol.All(
                        vol.Lower, vol.In(ANNOUNCEMENT_COLORS)
                    ),
                }
            ),
            result={"sent": "true once Twitch accepted it"},
            rehearsal=lambda _params: {"sent": True},
        ),
        ActionSpec(
            name="send_shoutout",
            description="Give another channel a shoutout, by its name.",
            params=vol.Schema({vol.Required("to_channel"): channel_login}),
            result={"to_id": "the channel's user id", "to_login": "its login name"},
            rehearsal=lambda params: {"to_id": "100000002", "to_login": params["to_channel"]},
        ),
        ActionSpec(
            name="start_commercial",
            description="Run a commercial of `length` seconds (30 to 180, in steps of 30).",
            params=vol.Schema(
                {
                    vol.Optional("length", default=30): vol.All(
                        vol.Coerce(int), vol.In(COMMERCIAL_LENGTHS)
                    )
                }
            ),
            result={
                "length": "the commercial's length",
                "message": "Twitch's note",
                "retry_after": "seconds until another commercial may run",
            },
            rehearsal=lambda params: {
                "length": params["length"],
                "message": "",
                "retry_after": 480,
            },
        ),
        ActionSpec(
            name="create_poll",
            description="Start a poll with 2 to 5 choices, open for `duration` seconds.",
            params=vol.Schema(
                {
                    vol.Required("title"): _text(60),
                    vol.Required("choices"): _choices(2, 5, 25),
                    vol.Optional("duration", default=60): _int_in(15, 1800),
                    vol.Optional("channel_points_per_vote"): _int_in(1, 1_000_000),
                }
            ),
            result={
                "id": "the poll's id",
                "status": "ACTIVE",
                "title": "its title",
                "choices": "[{id, title}]",
            },
            rehearsal=_poll_result,
        ),
        ActionSpec(
            name="create_prediction",
            description="Start a prediction with 2 to 10 outcomes, open for `window` seconds.",
            params=vol.Schema(
                {
                    vol.Required("title"): _text(45),
                    vol.Required("outcomes"): _choices(2, 10, 25),
                    vol.Optional("window", default=120): _int_in(30, 1800),
                }
            ),
            result={
                "id": "the prediction's id",
                "status": "ACTIVE",
                "title": "its title",
                "outcomes": "[{id, title, color}]",
            },
            rehearsal=_prediction_result,
        ),
    )
}


class TwitchAdapter(ConnectedAdapter):
    """Twitch actions."""

    service = "twitch"
    catalog = ACTIONS
    setup_hint = "add a Twitch account in Stream Workflows"


__all__ = [
    "ACTIONS",
    "ACTION_SCOPES",
    "EVENT_TOPICS",
    "REQUIRED_SCOPES",
    "TwitchAdapter",
    "channel_login",
]
