"""Twitch's stream events: their EventSub topics, the scope each needs, and how to subscribe.

The names (`stream_started`, `follow`, `raid`...) are what `on_event` passes on, with the
notification's `event` object as Twitch sent it. Imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from twitchAPI.eventsub.websocket import EventSubWebsocket

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
DEFAULT_EVENTS: tuple[str, ...] = tuple(EVENT_TOPICS)

type Deliver = Callable[[Any], Awaitable[None]]


async def subscribe(eventsub: EventSubWebsocket, name: str, user: str, callback: Deliver) -> str:
    """Subscribe `callback` to stream event `name` of broadcaster `user`; the subscription id."""
    if name == "stream_started":
        return await eventsub.listen_stream_online(user, callback)
    if name == "stream_stopped":
        return await eventsub.listen_stream_offline(user, callback)
    if name == "follow":
        return await eventsub.listen_channel_follow_v2(user, user, callback)
    if name == "subscribe":
        return await eventsub.listen_channel_subscribe(user, callback)
    if name == "subscription_gift":
        return await eventsub.listen_channel_subscription_gift(user, callback)
    if name == "cheer":
        return await eventsub.listen_channel_cheer(user, callback)
    if name == "raid":
        return await eventsub.listen_channel_raid(callback, to_broadcaster_user_id=user)
    if name == "channel_points_redemption":
        return await eventsub.listen_channel_points_custom_reward_redemption_add(user, callback)
    return await eventsub.listen_channel_ad_break_begin(user, callback)


def event_data(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The `event` object of a notification payload (empty when there is none)."""
    event = payload.get("event")
    return dict(event) if isinstance(event, Mapping) else {}
