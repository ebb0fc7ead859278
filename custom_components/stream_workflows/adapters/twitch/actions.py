"""Every `twitch` action, declared once beside the code that does it (the catalog is `TABLE`).

Adding an action is one decorated function here: name, description, parameter schema, result
fields, rehearsal result and the OAuth scopes it needs, bound to its handler. Handlers use
Twitch through `TwitchClient` (what `connection.TwitchConnection` offers); this module imports
nothing heavy at run time (twitchAPI only for type checking): the command line and the
config flow import it.

Channels and categories are named the way a streamer names them (`target_channel:
"somestreamer"`, `category: "Just Chatting"`); the handlers resolve names to Twitch ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import voluptuous as vol

from ...engine.adapter import ActionContext, RehearsalResult
from ...engine.numbers import real_or_text, whole
from ..table import ActionTable, Handler, Params
from .errors import TwitchError, clean

if TYPE_CHECKING:
    from twitchAPI.object.api import CreatedClip
    from twitchAPI.twitch import Twitch


class TwitchClient(Protocol):
    """What the handlers need of a connection to Twitch."""

    @property
    def helix(self) -> Twitch:
        """The authenticated Helix client."""

    @property
    def broadcaster(self) -> str:
        """The connected account's user id."""

    @property
    def known_users(self) -> dict[str, tuple[str, str]]:
        """Channel logins already resolved: login -> (user id, login)."""

    async def post_clip(self, query: Mapping[str, Any]) -> CreatedClip | None:
        """`POST clips` with every field Helix takes (twitchAPI's create_clip() lacks some)."""


TABLE: ActionTable[TwitchClient] = ActionTable("twitch")
ACTION_SCOPES: dict[str, tuple[str, ...]] = {}
"""The OAuth scopes each action needs (user access token of the broadcaster)."""


def _action(
    name: str,
    description: str,
    *,
    scopes: tuple[str, ...],
    params: vol.Schema | Mapping[Any, Any] | None = None,
    result: Mapping[str, str],
    rehearsal: RehearsalResult,
) -> Callable[[Handler[TwitchClient]], Handler[TwitchClient]]:
    """`TABLE.action`, also recording the scopes the action needs."""
    ACTION_SCOPES[name] = scopes
    return TABLE.action(name, description, params=params, result=result, rehearsal=rehearsal)


# -- parameter types -------------------------------------------------------------------------

_LOGIN = re.compile(r"[a-z0-9_]{1,25}")  # fullmatch: no "name\n"
_URL_PREFIX = re.compile(r"^(?:https?://)?(?:www\.|m\.)?twitch\.tv/", re.IGNORECASE)


def channel_login(value: Any) -> str:
    """A channel as a login name: `@Name`, `Name` and `twitch.tv/name` all become `name`."""
    if not isinstance(value, str):
        raise vol.Invalid(f"expected a Twitch channel name, got {value!r}")
    login = _URL_PREFIX.sub("", value.strip()).strip("/").lstrip("@").lower()
    if not _LOGIN.fullmatch(login):
        raise vol.Invalid(f"'{value}' is not a Twitch channel name (letters, digits, underscores)")
    return login


ANNOUNCEMENT_COLORS = ("primary", "blue", "green", "orange", "purple")
COMMERCIAL_LENGTHS = (30, 60, 90, 120, 150, 180)


def _text(max_length: int) -> vol.All:
    return vol.All(str, vol.Length(min=1, max=max_length))


def _int_in(low: int, high: int) -> Any:
    # strict: true/false, NaN, Infinity and 12.5 are refused (Coerce(int) crashed on Infinity)
    return whole(low, high)


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


# -- the actions -----------------------------------------------------------------------------


@_action(
    "send_chat_message",
    "Send a message to the channel's chat (as the connected account).",
    scopes=("user:write:chat",),
    params={vol.Required("message"): _text(500), vol.Optional("reply_to"): _text(100)},
    result={"message_id": "the message's id", "is_sent": "whether Twitch accepted it"},
    rehearsal=lambda _params: {"message_id": "simulated-message", "is_sent": True},
)
async def send_chat_message(client: TwitchClient, params: Params, _ctx: ActionContext) -> Any:
    sent = await client.helix.send_chat_message(
        client.broadcaster,
        client.broadcaster,
        params["message"],
        reply_parent_message_id=params.get("reply_to"),
    )
    if not sent.is_sent:
        reason = sent.drop_reason
        why = getattr(reason, "message", None) or getattr(reason, "code", None) or "no reason"
        raise TwitchError(
            f"send chat message: Twitch dropped the message ({clean(why)})",
            error_type="message_dropped",
        )
    return {"message_id": sent.message_id, "is_sent": True}


@_action(
    "create_clip",
    "Clip the live stream (the last `duration` seconds, 30 by default). `title` is "
    "sent to Twitch as the clip's title; the result's `url` is the clip's address.",
    scopes=("clips:edit",),
    params={
        vol.Optional("title"): vol.All(str, vol.Length(max=140)),
        vol.Optional("duration"): real_or_text(5, 60, what="a number of seconds"),
        vol.Optional("has_delay", default=False): bool,
    },
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
)
async def create_clip(client: TwitchClient, params: Params, _ctx: ActionContext) -> Any:
    query: dict[str, Any] = {
        "broadcaster_id": client.broadcaster,
        "has_delay": "true" if params.get("has_delay") else "false",
    }
    if params.get("title"):
        query["title"] = params["title"]
    if "duration" in params:
        query["duration"] = f"{params['duration']:g}"
    clip = await client.post_clip(query)
    if clip is None:
        raise TwitchError("create clip: Twitch did not return the clip")
    return {
        "id": clip.id,
        "url": f"https://clips.twitch.tv/{clip.id}",
        "edit_url": clip.edit_url,
        "title": params.get("title") or None,
    }


@_action(
    "raid_channel",
    "Start a raid on another channel, by its name.",
    scopes=("channel:manage:raids",),
    params={vol.Required("target_channel"): channel_login},
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
)
async def raid_channel(client: TwitchClient, params: Params, ctx: ActionContext) -> Any:
    target_id, target_login = await _user(client, params["target_channel"], ctx)
    raid = await client.helix.start_raid(client.broadcaster, target_id)
    return {
        "target_id": target_id,
        "target_login": target_login,
        "created_at": _iso(getattr(raid, "created_at", None)),
        "is_mature": bool(getattr(raid, "is_mature", False)),
    }


@_action(
    "cancel_raid",
    "Cancel the pending raid.",
    scopes=("channel:manage:raids",),
    result={"cancelled": "true once Twitch cancelled it"},
    rehearsal=lambda _params: {"cancelled": True},
)
async def cancel_raid(client: TwitchClient, _params: Params, _ctx: ActionContext) -> Any:
    await client.helix.cancel_raid(client.broadcaster)
    return {"cancelled": True}


@_action(
    "create_stream_marker",
    "Mark the current moment of the live stream (for highlights later).",
    scopes=("channel:manage:broadcast",),
    params={vol.Optional("description"): vol.All(str, vol.Length(max=140))},
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
)
async def create_stream_marker(client: TwitchClient, params: Params, _ctx: ActionContext) -> Any:
    marker = await client.helix.create_stream_marker(client.broadcaster, params.get("description"))
    return {
        "id": marker.id,
        "created_at": _iso(marker.created_at),
        "position_seconds": marker.position_seconds,
        "description": getattr(marker, "description", "") or "",
    }


@_action(
    "update_channel",
    "Change the stream's title, category (by name; empty text clears it), tags or language.",
    scopes=("channel:manage:broadcast",),
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
)
async def update_channel(client: TwitchClient, params: Params, _ctx: ActionContext) -> Any:
    result: dict[str, Any] = {}
    game_id: str | None = None
    if "category" in params:
        game_id = await _category(client, params["category"])
        result["category"] = params["category"]
        result["category_id"] = game_id
    await client.helix.modify_channel_information(
        client.broadcaster,
        game_id=game_id,
        broadcaster_language=params.get("language"),
        title=params.get("title"),
        tags=params.get("tags"),
    )
    for key in ("title", "tags", "language"):
        if key in params:
            result[key] = params[key]
    return result


@_action(
    "send_announcement",
    "Post a highlighted announcement in chat.",
    scopes=("moderator:manage:announcements",),
    params={
        vol.Required("message"): _text(500),
        vol.Optional("color", default="primary"): vol.All(vol.Lower, vol.In(ANNOUNCEMENT_COLORS)),
    },
    result={"sent": "true once Twitch accepted it"},
    rehearsal=lambda _params: {"sent": True},
)
async def send_announcement(client: TwitchClient, params: Params, _ctx: ActionContext) -> Any:
    await client.helix.send_chat_announcement(
        client.broadcaster, client.broadcaster, params["message"], params.get("color")
    )
    return {"sent": True}


@_action(
    "send_shoutout",
    "Give another channel a shoutout, by its name.",
    scopes=("moderator:manage:shoutouts",),
    params={vol.Required("to_channel"): channel_login},
    result={"to_id": "the channel's user id", "to_login": "its login name"},
    rehearsal=lambda params: {"to_id": "100000002", "to_login": params["to_channel"]},
)
async def send_shoutout(client: TwitchClient, params: Params, ctx: ActionContext) -> Any:
    to_id, to_login = await _user(client, params["to_channel"], ctx)
    await client.helix.send_a_shoutout(client.broadcaster, to_id, client.broadcaster)
    return {"to_id": to_id, "to_login": to_login}


@_action(
    "start_commercial",
    "Run a commercial of `length` seconds (30 to 180, in steps of 30).",
    scopes=("channel:edit:commercial",),
    params={
        vol.Optional("length", default=30): vol.All(whole(30, 180), vol.In(COMMERCIAL_LENGTHS))
    },
    result={
        "length": "the commercial's length",
        "message": "Twitch's note",
        "retry_after": "seconds until another commercial may run",
    },
    rehearsal=lambda params: {"length": params["length"], "message": "", "retry_after": 480},
)
async def start_commercial(client: TwitchClient, params: Params, _ctx: ActionContext) -> Any:
    commercial = await client.helix.start_commercial(client.broadcaster, params["length"])
    return {
        "length": commercial.length,
        "message": commercial.message or "",
        "retry_after": commercial.retry_after,
    }


@_action(
    "create_poll",
    "Start a poll with 2 to 5 choices, open for `duration` seconds.",
    scopes=("channel:manage:polls",),
    params={
        vol.Required("title"): _text(60),
        vol.Required("choices"): _choices(2, 5, 25),
        vol.Optional("duration", default=60): _int_in(15, 1800),
        vol.Optional("channel_points_per_vote"): _int_in(1, 1_000_000),
    },
    result={
        "id": "the poll's id",
        "status": "ACTIVE",
        "title": "its title",
        "choices": "[{id, title}]",
    },
    rehearsal=_poll_result,
)
async def create_poll(client: TwitchClient, params: Params, _ctx: ActionContext) -> Any:
    poll = await client.helix.create_poll(
        client.broadcaster,
        params["title"],
        list(params["choices"]),
        params["duration"],
        channel_points_voting_enabled="channel_points_per_vote" in params,
        channel_points_per_vote=params.get("channel_points_per_vote"),
    )
    return {
        "id": poll.id,
        "status": _enum(poll.status),
        "title": poll.title,
        "choices": [{"id": choice.id, "title": choice.title} for choice in poll.choices],
    }


@_action(
    "create_prediction",
    "Start a prediction with 2 to 10 outcomes, open for `window` seconds.",
    scopes=("channel:manage:predictions",),
    params={
        vol.Required("title"): _text(45),
        vol.Required("outcomes"): _choices(2, 10, 25),
        vol.Optional("window", default=120): _int_in(30, 1800),
    },
    result={
        "id": "the prediction's id",
        "status": "ACTIVE",
        "title": "its title",
        "outcomes": "[{id, title, color}]",
    },
    rehearsal=_prediction_result,
)
async def create_prediction(client: TwitchClient, params: Params, _ctx: ActionContext) -> Any:
    prediction = await client.helix.create_prediction(
        client.broadcaster, params["title"], list(params["outcomes"]), params["window"]
    )
    return {
        "id": prediction.id,
        "status": _enum(prediction.status),
        "title": prediction.title,
        "outcomes": [
            {"id": outcome.id, "title": outcome.title, "color": outcome.color}
            for outcome in prediction.outcomes
        ],
    }


# -- what several actions share --------------------------------------------------------------


async def _user(client: TwitchClient, login: str, ctx: ActionContext) -> tuple[str, str]:
    """(user id, login) of a channel, asked of Twitch once per connection."""
    cached = client.known_users.get(login)
    if cached is not None:
        return cached
    users = [user async for user in client.helix.get_users(logins=[login])]
    if not users:
        raise TwitchError(f"there is no Twitch channel named '{login}'", error_type="not_found")
    found = (users[0].id, users[0].login)
    client.known_users[login] = found
    ctx.log(f"Twitch channel '{login}' has id {found[0]}")
    return found


async def _category(client: TwitchClient, name: str) -> str:
    """The id of a category by its name ("" clears it), with "did you mean" hints."""
    if not name.strip():
        return ""
    games = [game async for game in client.helix.get_games(names=[name])]
    if games:
        return str(games[0].id)
    found = [category async for category in client.helix.search_categories(name, first=10)]
    exact = [category for category in found if category.name.lower() == name.lower()]
    if exact:
        return str(exact[0].id)
    hint = ", ".join(f"'{category.name}'" for category in found[:3])
    raise TwitchError(
        f"there is no Twitch category named '{name}'"
        + (f" (did you mean {hint}?)" if hint else ""),
        error_type="not_found",
    )


def _iso(value: Any) -> Any:
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else value


def _enum(value: Any) -> Any:
    return getattr(value, "value", value)
