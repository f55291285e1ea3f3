"""A Slack app many workspaces install ("Add to Slack"): Bolt's OAuth flow with quizbot's
database as its installation and state store, and a Web API client that speaks for the
workspace at hand with that workspace's own bot token.

Bolt already picks each incoming request's token through the installation store; the
adapter's own calls (a scheduled question, a DM, a users.info) go through ``TeamClient``,
which reads the workspace from ``acting_for`` and its token from the store, per call, so an
uninstall takes effect at once. Tokens never appear in logs or reprs."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.services.slack_installs import SlackInstallations
from bot.storage.db import from_db
from bot.storage.repositories.slack_installs import StoredInstall

log = logging.getLogger(__name__)
_TEAM: contextvars.ContextVar[str | None] = contextvars.ContextVar("slack_team", default=None)
#: what a call for a workspace with no installation fails with (Slack's word for no token)
NOT_INSTALLED = "not_authed"


@dataclass(frozen=True)
class OAuthConfig:
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    redirect_uri: str | None = None
    authorize_url: str = "https://slack.com/oauth/v2/authorize"

    def __repr__(self) -> str:
        return f"OAuthConfig(client_id={self.client_id!r}, scopes={self.scopes!r})"


@contextmanager
def acting_for(team: str | None) -> Iterator[None]:
    """Calls made inside speak for this workspace (nothing changes in single-workspace mode)."""
    token = _TEAM.set(team or None)
    try:
        yield
    finally:
        _TEAM.reset(token)


Method = TypeVar("Method", bound=Callable[..., Awaitable[Any]])


def speaks_for(team_of: Callable[..., str]) -> Callable[[Method], Method]:
    """An adapter method whose calls speak for the workspace ``team_of`` finds in its
    arguments (given the same arguments, without self)."""
    def decorate(method: Method) -> Method:
        @wraps(method)
        async def bound(self: Any, *args: Any, **kwargs: Any) -> Any:
            with acting_for(team_of(*args, **kwargs)):
                return await method(self, *args, **kwargs)
        return cast(Method, bound)
    return decorate


def bind_team(team: str | None) -> None:
    """For the rest of this task (a Bolt listener's), calls speak for ``team``."""
    _TEAM.set(team or None)


class TeamClient(AsyncWebClient):
    """An AsyncWebClient without a token of its own: each call carries the bot token of the
    workspace being served, unless the call names a token or credentials itself (Bolt's
    auth.test checks and oauth.v2.access do)."""

    installs: SlackInstallations

    async def api_call(self, api_method: str, *, http_verb: str = "POST",
                       files: dict[str, Any] | None = None, data: Any = None,
                       params: dict[str, Any] | None = None, json: dict[str, Any] | None = None,
                       headers: dict[str, Any] | None = None,
                       auth: dict[str, Any] | None = None) -> AsyncSlackResponse:
        team = _TEAM.get()
        named = auth is not None or "Authorization" in (headers or {}) or any(
            isinstance(part, dict) and part.get("token") for part in (params, json, data))
        if team and not named:
            found = await self.installs.find(None, team)
            if found is None:
                log.warning("Slack %s for workspace %s: not installed there (uninstalled or "
                            "revoked)", api_method, team)
                raise SlackApiError(f"{api_method}: {NOT_INSTALLED}", AsyncSlackResponse(  # type: ignore[no-untyped-call]
                    client=self, http_verb=http_verb, api_url=api_method, req_args={},
                    data={"ok": False, "error": NOT_INSTALLED}, headers={}, status_code=200))
            headers = {**(headers or {}), "Authorization": f"Bearer {found.bot_token}"}
        return await super().api_call(api_method, http_verb=http_verb, files=files, data=data,
                                      params=params, json=json, headers=headers, auth=auth)


class InstallationStore(AsyncInstallationStore):
    """Bolt's installation store over quizbot's database: bot tokens only (quizbot asks for
    no user scopes), one per workspace."""

    def __init__(self, installs: SlackInstallations) -> None:
        self.installs = installs

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        if not installation.bot_token:
            return
        change = await self.installs.save(StoredInstall(
            installation.enterprise_id or "", installation.team_id or "",
            installation.app_id, installation.bot_token, installation.bot_id,
            installation.bot_user_id, ",".join(installation.bot_scopes or []),
            installation.user_id, bool(installation.is_enterprise_install),
            self.installs.now()))
        resumed = f"; {change.daily_questions} daily question(s) paused at its uninstall " \
            "resume" if change.subscriptions else ""
        log.info("Slack app installed in workspace %s%s", installation.team_id, resumed)

    async def async_save_bot(self, bot: Bot) -> None:
        await self.installs.save(StoredInstall(
            bot.enterprise_id or "", bot.team_id or "", bot.app_id, bot.bot_token,
            bot.bot_id, bot.bot_user_id, ",".join(bot.bot_scopes or []), None,
            bool(bot.is_enterprise_install), self.installs.now()))

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        found = await self.installs.find(enterprise_id, None if is_enterprise_install
                                         else team_id)
        if found is None:
            return None
        return Bot(app_id=found.app_id, enterprise_id=found.enterprise_id or None,
                   team_id=found.team_id or None, bot_token=found.bot_token,
                   bot_id=found.bot_id or "", bot_user_id=found.bot_user_id or "",
                   bot_scopes=found.bot_scopes, is_enterprise_install=found.is_enterprise_install,
                   installed_at=from_db(found.installed_at).timestamp())

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False
                                      ) -> Installation | None:
        bot = await self.async_find_bot(enterprise_id=enterprise_id, team_id=team_id,
                                        is_enterprise_install=is_enterprise_install)
        if bot is None or user_id is not None:
            return None   # no user tokens are kept
        return Installation(app_id=bot.app_id, enterprise_id=bot.enterprise_id,
                            team_id=bot.team_id, bot_token=bot.bot_token, bot_id=bot.bot_id,
                            bot_user_id=bot.bot_user_id, bot_scopes=bot.bot_scopes,
                            user_id="", is_enterprise_install=bot.is_enterprise_install)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        change = await self.installs.delete(enterprise_id, team_id)
        if change is not None:   # one line per removal: Slack's second event finds nothing
            log.warning("Slack app removed from workspace %s (uninstalled or its token "
                        "revoked): token forgotten, %d daily question(s) paused until it is "
                        "installed again; history kept", team_id, change.daily_questions)

    async def async_delete_installation(self, *, enterprise_id: str | None,
                                        team_id: str | None, user_id: str | None = None) -> None:
        if user_id is None:   # a user's token revoked: none is kept, nothing to do
            await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)


class StateStore(AsyncOAuthStateStore):
    """OAuth states in the database, so the redirect may reach another replica; each is
    good once, until it expires."""

    def __init__(self, installs: SlackInstallations) -> None:
        self.installs = installs

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await self.installs.issue_state()

    async def async_consume(self, state: str) -> bool:
        return bool(state) and await self.installs.consume_state(state)


def oauth_settings(config: OAuthConfig, installs: SlackInstallations) -> AsyncOAuthSettings:
    return AsyncOAuthSettings(
        client_id=config.client_id, client_secret=config.client_secret,
        scopes=list(config.scopes), redirect_uri=config.redirect_uri,
        authorization_url=config.authorize_url, install_page_rendering_enabled=False,
        installation_store=InstallationStore(installs), installation_store_bot_only=True,
        state_store=StateStore(installs), state_expiration_seconds=installs.state_seconds,
        logger=log)
