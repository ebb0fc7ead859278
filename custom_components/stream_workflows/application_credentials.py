"""Application credentials: Twitch's OAuth2 authorization server, for the Twitch connection.

The user registers an application at https://dev.twitch.tv/console/apps (its OAuth redirect URL
being Home Assistant's, e.g. `https://my.home-assistant.io/redirect/oauth`) and enters its
client id and secret as application credentials; adding the Twitch connection then signs in
through Twitch's authorization code flow.
"""

from __future__ import annotations

from homeassistant.components.application_credentials import AuthorizationServer
from homeassistant.core import HomeAssistant

from . import connections


async def async_get_authorization_server(hass: HomeAssistant) -> AuthorizationServer:
    """Twitch's authorize and token endpoints (`connections.twitch_auth_base_url`)."""
    base = connections.twitch_auth_base_url
    return AuthorizationServer(authorize_url=f"{base}authorize", token_url=f"{base}token")


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Links for the application credentials dialog."""
    return {
        "console_url": "https://dev.twitch.tv/console/apps",
        "redirect_url": "https://my.home-assistant.io/redirect/oauth",
    }
