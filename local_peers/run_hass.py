"""`python -m local_peers.run_hass -c CONFIG ...`: Home Assistant (the `hass` command, same
arguments) with Stream Workflows' Twitch and Discord addresses pointed at the local stand-ins.

The integration reaches Twitch and Discord through the module attributes of
`custom_components.stream_workflows.connections` (the tests set the same ones). The addresses
come from the environment:

- `LOCAL_PEERS_DISCORD_API`: the local Discord's REST base (`http://127.0.0.1:PORT/api/v10`)
- `LOCAL_PEERS_TWITCH`: the local Twitch's address (`http://127.0.0.1:PORT`): Helix at
  `/helix/`, OAuth at `/oauth2/`, EventSub at `ws://…/ws`

Run it with the configuration folder first on `PYTHONPATH`, so that the integration imported
here is the one Home Assistant loads from `<config>/custom_components`.
"""

from __future__ import annotations

import os
import sys

from homeassistant.__main__ import main as hass_main

from custom_components.stream_workflows import connections


def point_at_peers() -> None:
    """Set the integration's endpoints from the environment (unset ones stay the real ones)."""
    discord = os.environ.get("LOCAL_PEERS_DISCORD_API")
    if discord:
        connections.discord_api_base = discord
    twitch = os.environ.get("LOCAL_PEERS_TWITCH", "").rstrip("/")
    if twitch:
        connections.twitch_base_url = f"{twitch}/helix/"
        connections.twitch_auth_base_url = f"{twitch}/oauth2/"
        connections.twitch_eventsub_url = twitch.replace("http://", "ws://", 1) + "/ws"


def main() -> int:
    point_at_peers()
    return hass_main()


if __name__ == "__main__":
    sys.exit(main())
