"""The OAuth endpoints of the local Twitch (`/oauth2/...`).

- `GET /oauth2/authorize` is the authorization code flow's consent page, answered at once:
  it redirects to `redirect_uri` with `code` and `state` (the user `authorizing` agreed), or
  with `error=access_denied` when `deny_authorization` is set.
- `POST /oauth2/token` trades an authorization code (grant_type=authorization_code) for a
  token pair, or rotates a pair (grant_type=refresh_token).
- `GET /oauth2/validate` (header `Authorization: OAuth <token>`) answers client_id, login,
  scopes, user_id.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from yarl import URL

from . import twitch_wire as wire
from .twitch_state import Token, TwitchState


class OAuthRoutes:
    """The handlers of `/oauth2/authorize`, `/oauth2/token` and `/oauth2/validate`."""

    def __init__(self, state: TwitchState) -> None:
        self.state = state

    def add_to(self, router: web.UrlDispatcher) -> None:
        router.add_get("/oauth2/authorize", self.authorize)
        router.add_post("/oauth2/token", self.token)
        router.add_get("/oauth2/validate", self.validate)

    async def authorize(self, request: web.Request) -> web.Response:
        query = {k: v[0] for k, v in wire.query(request).items()}
        if query.get("client_id") != self.state.client_id:
            return wire.oauth_error(400, "invalid client")
        if query.get("response_type") != "code" or not query.get("redirect_uri"):
            return wire.oauth_error(400, "invalid request")
        target = URL(query["redirect_uri"])
        params: dict[str, str] = {}
        if self.state.deny_authorization:
            params["error"] = "access_denied"
            params["error_description"] = "The user denied you access"
        else:
            code = wire.new_token()
            scopes = query.get("scope", "").split()
            self.state.codes[code] = (
                Token(self.state.authorizing["id"], scopes),
                query["redirect_uri"],
            )
            params["code"] = code
            params["scope"] = " ".join(scopes)
        if "state" in query:
            params["state"] = query["state"]
        raise web.HTTPFound(str(target.update_query(params)))

    async def token(self, request: web.Request) -> web.Response:
        form = request["body"] or {}
        form = {**{k: v[0] for k, v in wire.query(request).items()}, **form}
        if form.get("client_id") != self.state.client_id:
            return wire.oauth_error(400, "invalid client")
        if form.get("client_secret") != self.state.client_secret:
            return web.json_response(
                {"status": 403, "message": "invalid client secret"}, status=403
            )
        if form.get("grant_type") == "authorization_code":
            return self._trade_code(form)
        if form.get("grant_type") != "refresh_token":
            return web.json_response(
                {"status": 400, "message": "unsupported grant type"}, status=400
            )
        token = self.state.refresh_tokens.pop(form.get("refresh_token", ""), None)
        if token is None:
            return web.json_response(
                {"status": 400, "message": "Invalid refresh token"}, status=400
            )
        access, refresh = wire.new_token(), wire.new_token(50)
        fresh = Token(token.user_id, list(token.scopes))
        self.state.tokens[access] = fresh
        self.state.refresh_tokens[refresh] = fresh
        self.state.tokens_issued()
        return web.json_response(
            {
                "access_token": access,
                "refresh_token": refresh,
                "scope": fresh.scopes,
                "token_type": "bearer",
                "expires_in": 14400,
            }
        )

    def _trade_code(self, form: dict[str, Any]) -> web.Response:
        issued = self.state.codes.pop(form.get("code", ""), None)
        if issued is None or issued[1] != form.get("redirect_uri"):
            return web.json_response(
                {"status": 400, "message": "Invalid authorization code"}, status=400
            )
        token, _redirect = issued
        access, refresh = wire.new_token(), wire.new_token(50)
        self.state.tokens[access] = token
        self.state.refresh_tokens[refresh] = token
        self.state.tokens_issued()
        return web.json_response(
            {
                "access_token": access,
                "expires_in": 14124,
                "refresh_token": refresh,
                "scope": token.scopes,
                "token_type": "bearer",
            }
        )

    async def validate(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        token = self.state.tokens.get(header.split(" ", 1)[1]) if " " in header else None
        if not header.startswith("OAuth ") or token is None or token.expired:
            return wire.oauth_error(401, "invalid access token")
        user = next(u for u in self.state.users.values() if u["id"] == token.user_id)
        return web.json_response(
            {
                "client_id": self.state.client_id,
                "login": user["login"],
                "scopes": token.scopes,
                "user_id": token.user_id,
                "expires_in": 5520838,
            }
        )
