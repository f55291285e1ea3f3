"""The Slack adapter: a slack-bolt AsyncApp over Socket Mode (default) or signed HTTP.

It translates and nothing more: Slack payloads become neutral events for the core, and the
core's Messages become Block Kit. Every listener acks first and works after the ack (Bolt
runs listeners after acking when ``process_before_response`` is off), so Slack never
retries for slowness; a retry or replay that does arrive carries the same event id and the
core counts it once. A form opens before any slow work, since its trigger_id lives 3 s.

In HTTP mode the signature is checked before anything else reads the body: a rejected
request costs one log line, never its body. Tokens Slack calls invalid, revoked or inactive
stop the adapter with one message saying which token; other failures are retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters import slack_appeals, slack_oauth
from bot.adapters.base import (
    Actor,
    Button,
    ConfigError,
    IncomingMessage,
    Message,
    PlatformError,
    PostPace,
    Section,
    Sent,
    attachment_data,
    reply,
    split_text,
)
from bot.adapters.slack_oauth import OAuthConfig, speaks_for
from bot.adapters.slack_retry import ConnectionRetry
from bot.domain.periods import Period
from bot.domain.rounds import AnswerOutcome
from bot.domain.subscriptions import ChannelRef
from bot.services import render
from bot.services.catalogue import help_text, route, slash_commands, spelled
from bot.services.commands import CommandContext, CommandResult
from bot.services.practice import AT_ONCE, PracticeQuestion

if TYPE_CHECKING:
    from bot.services.port import CoreServices
    from bot.services.slack_installs import SlackInstallations

log = logging.getLogger(__name__)


class _QuietBolt(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN "will be unused" whenever it is set in the
    environment, because the adapter hands Bolt a ready client (which carries the token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "will be unused" not in record.getMessage()


log.addFilter(_QuietBolt())

PLATFORM = "slack"
REACTIONS = {AnswerOutcome.RECORDED: "white_check_mark", AnswerOutcome.REPLACED: "pencil2",
             AnswerOutcome.LATE: "hourglass", AnswerOutcome.DUPLICATE: "white_check_mark"}
VOTE_REACTIONS = {"+1", "thumbsup", "star", "clap", "raised_hands", "heart", "fire", "bulb"}
COMMANDS = tuple(slash_commands(PLATFORM))
#: bot events subscribed in deploy/slack-manifest.yml, and the handler each one feeds
EVENTS = ("app_home_opened", "message.channels", "message.groups", "reaction_added")
#: every bot scope the code needs, and why (deploy/slack-manifest.yml must match exactly)
SCOPES = {
    "chat:write": "chat.postMessage (questions, reveals), chat.postEphemeral (private replies)",
    "reactions:write": "reactions.add: acknowledge a stored answer",
    "reactions:read": "reaction_added events: peer votes",
    "channels:history": "message.channels events (answers in threads); conversations.history"
                        " and .replies: find a post an interrupted attempt made",
    "groups:history": "the same in private channels",
    "users:read": "users.info: display names and who is a workspace admin",
    "usergroups:read": "usergroups.users.list: teams that follow a user group",
    "commands": "the five slash commands",
    "files:write": "files.getUploadURLExternal and files.completeUploadExternal: a team's "
                   "CSV export and report picture as files",
    "im:write": "conversations.open: the direct message those files go to (they are a "
                "lead's data, not the channel's)",
}
METADATA_EVENT = "quizbot_post"
#: message subtypes that carry a person's words: plain, "also send to channel", with a file
ANSWER_SUBTYPES = {None, "message_changed", "thread_broadcast", "file_share"}
#: errors a retry cannot fix: the lead who set the schedule is told
PERMANENT_ERRORS = {"channel_not_found", "not_in_channel", "is_archived", "missing_scope",
                    "restricted_action", "invalid_auth", "account_inactive", "token_revoked",
                    "no_permission", "ekm_access_denied", "not_authed"}
#: auth errors retrying never fixes (Slack's reference for auth.test / apps.connections.open)
FATAL_AUTH = {"invalid_auth", "token_revoked", "account_inactive", "not_authed",
              "not_allowed_token_type", "invalid_token", "token_expired", "team_disabled"}
SECTION_LIMIT = 2900      # Block Kit section text is capped at 3000 characters
MAX_BLOCKS = 50
USER_TTL = 600.0
#: a command is run with admin rights read at most this long ago (a demoted admin loses
#: them within seconds, not USER_TTL)
COMMAND_USER_TTL = 5.0
_SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>")


def mrkdwn(text: str) -> str:
    """CommonMark-ish text to Slack mrkdwn: escape &<> and turn **bold** into *bold*."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"\*\*(.+?)\*\*", r"*\1*", text, flags=re.DOTALL)


def to_blocks(message: Message) -> list[dict[str, Any]]:
    """A neutral Message as Block Kit, within Slack's block and text limits."""
    message = spelled(message, PLATFORM)
    blocks: list[dict[str, Any]] = []
    if message.title:
        blocks.append({"type": "header",
                       "text": {"type": "plain_text", "text": message.title[:150]}})
    if message.mentions:  # a mention only notifies from inside the blocks people see
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": " ".join(
            f"<@{u}>" for u in message.mentions)[:SECTION_LIMIT]}})
    for section in message.sections:
        body = mrkdwn(section.body)
        text = f"*{mrkdwn(section.heading)}*\n{body}" if section.heading else body
        for chunk in split_text(text, SECTION_LIMIT):
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    name, content = message.attachment or ("", b"")
    if isinstance(content, str):  # text shown inline (a picture is only ever a file)
        blocks.append({"type": "section", "text": {
            "type": "mrkdwn", "text": f"`{name}`\n```{content[:SECTION_LIMIT - 80]}```"
            + ("\n_(truncated)_" if len(content) > SECTION_LIMIT - 80 else "")}})
    tail: list[dict[str, Any]] = []
    elements = [_button(b) for b in message.buttons
                if b.action.startswith(("answer:", render.RATE_ACTION, render.FOLLOW_UP_ACTION,
                                        render.INTERVIEW_ACTION))]
    if elements:
        tail.append({"type": "actions", "elements": elements})
    appeals = [{"type": "button", "action_id": bid, "value": b.action.split(":", 1)[1],
                "text": {"type": "plain_text", "text": b.label[:75]}}
               for b in message.buttons if (bid := slack_appeals.button_id(b.action))]
    if appeals:   # their own row: the rating taps above, "the bot is wrong" below
        tail.append({"type": "actions", "elements": appeals})
    if message.footer:
        tail.append({"type": "context",
                     "elements": [{"type": "mrkdwn", "text": mrkdwn(message.footer)[:2000]}]})
    room = MAX_BLOCKS - len(tail)
    if len(blocks) > room:
        note = {"type": "context", "elements": [{"type": "mrkdwn", "text": (
            "_(shortened to fit Slack; /quiz results shows everything)_")}]}
        blocks = [*blocks[: room - 1], note]
    out = blocks + tail
    if message.key and out:  # history always returns blocks: the key finds the post again
        out[0] = {**out[0], "block_id": _block_key(message.key)}
    return out


def _button(b: Button) -> dict[str, Any]:
    """An answer button (action ``answer_privately``, value the round) or a rate button
    (action ``rate_WORD``, value ``SOURCE:ID:WORD``: one action id per button)."""
    kind, _, value = b.action.partition(":")
    action_id = {"answer": "answer_privately", "followup": FOLLOW_UP_FORM,
                 "interview": INTERVIEW_FORM}.get(kind) or f"rate_{value.rsplit(':', 1)[-1]}"
    return {"type": "button", "action_id": action_id, "value": value,
            "text": {"type": "plain_text", "text": b.label[:75]}}


#: the follow-up and mock-interview buttons and the forms they open share these ids
FOLLOW_UP_FORM = "followup_answer"
INTERVIEW_FORM = "interview_answer"


def _block_key(key: str) -> str:
    return f"{METADATA_EVENT}:{key}"[:255]


def fallback_text(message: Message) -> str:
    message = spelled(message, PLATFORM)
    mentions = " ".join(f"<@{u}>" for u in message.mentions)
    text = mrkdwn(message.text())
    return (f"{mentions} {text}" if mentions else text)[:3000]


def slack_error(exc: SlackApiError) -> str:
    """The error code of a failed call, even when the body was not JSON."""
    data = exc.response.data
    return str(data.get("error", "unknown")) if isinstance(data, dict) else \
        f"http {exc.response.status_code}"


def _team_of(body: dict[str, Any]) -> str:
    team = body.get("team_id") or body.get("team") or body.get("user", {}).get("team_id") or ""
    return str(team["id"] if isinstance(team, dict) else team)


class SlackAdapter:
    name = PLATFORM
    #: chat.postMessage "will generally allow an app to post 1 message per second to a
    #: specific channel. There are limits governing your app's relationship with the entire
    #: workspace above that, limiting posting to several hundred messages per minute" (its
    #: method page; limits are per app per workspace): 3 a second is 180 a minute. A channel
    #: has one daily question a day, so the daily posts alone never meet the channel's
    #: limit; the reveals and replies that follow are not paced here ("short bursts >1
    #: allowed", and slack_sdk retries a 429 after its Retry-After).
    post_pace = PostPace(3.0, "workspace")

    def __init__(self, core: CoreServices, *, bot_token: str | None,
                 app_token: str | None = None, signing_secret: str | None = None,
                 api_base: str = "https://slack.com/api/", host: str = "0.0.0.0",
                 port: int = 3000, timeout: int = 30, oauth: OAuthConfig | None = None,
                 installs: SlackInstallations | None = None) -> None:
        """With ``oauth`` (and ``installs``, where tokens are kept) the app serves many
        workspaces over HTTP, each with the bot token its install gave; else one token."""
        self.core = core
        self.client: AsyncWebClient
        if oauth is not None and installs is not None:
            team_client = slack_oauth.TeamClient(base_url=api_base, timeout=timeout)
            team_client.installs = installs
            self.client = team_client
        else:
            oauth = None
            self.client = AsyncWebClient(token=bot_token, base_url=api_base, timeout=timeout)
        # in place of slack_sdk's default (its own connection-error retry, which resends a
        # post whose connection dropped after Slack took it)
        self.client.retry_handlers = [ConnectionRetry(),
                                      AsyncRateLimitErrorRetryHandler(max_retry_count=3)]
        self.app_token, self.host, self.port = app_token, host, port
        # HTTP requests are verified by _http before Bolt sees them (see the module doc).
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self.app = AsyncApp(client=self.client, signing_secret=signing_secret or "",
                            request_verification_enabled=False,
                            raise_error_for_unhandled_request=False, logger=log,
                            oauth_settings=slack_oauth.oauth_settings(oauth, installs)
                            if oauth is not None and installs is not None else None)
        self.oauth = oauth
        self._installs = installs if oauth is not None else None
        self._users: dict[tuple[str, str], tuple[float, Actor]] = {}
        self.monotonic: Callable[[], float] = time.monotonic  # tests step it
        self._stop = asyncio.Event()
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self.bound_port: int | None = None
        self._register()
        core.platforms.register(self, ready=False)
        core.teams.directories[PLATFORM] = self

    # -- wiring ----------------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app
        app.event("message")(self._on_message)
        app.event("reaction_added")(self._on_reaction)
        app.event("app_home_opened")(self._on_home)
        for command in COMMANDS:
            app.command(command)(self._on_command)
        app.action("answer_privately")(self._on_answer_button)
        app.action(re.compile(r"^rate_"))(self._on_rate_button)
        app.view("quiz_answer")(self._on_quiz_submit)
        app.view("blind_answer")(self._on_blind_submit)
        slack_appeals.AppealForms(self)   # the appeal and flag buttons and their forms
        app.action(FOLLOW_UP_FORM)(self._on_form_button)
        app.action(INTERVIEW_FORM)(self._on_form_button)
        app.view(FOLLOW_UP_FORM)(self._on_follow_up_submit)
        app.view(INTERVIEW_FORM)(self._on_interview_submit)
        app.error(self._on_error)
        if self.oauth is not None:   # app_uninstalled, tokens_revoked: forget the token
            app.enable_token_revocation_listeners()
            app.use(self._bind_team)

    async def _bind_team(self, context: Any, next: Callable[[], Any]) -> Any:
        """The adapter's own calls while handling a request speak for its workspace (an
        Enterprise Grid org-wide install, keyed by the org alone, is not supported)."""
        slack_oauth.bind_team(context.team_id)
        return await next()

    async def run(self) -> None:
        """Check the tokens, then connect (Socket Mode) or serve HTTP until stop(). A
        connect that cannot succeed is cancelled by stop() at once."""
        try:
            if self.oauth is None:   # many workspaces: each install's token was checked
                await self._check_bot_token()
            self.core.platforms.set_ready(PLATFORM)
            if self.app_token:
                url = await self._check_app_token()
                self._socket = AsyncSocketModeHandler(self.app, self.app_token,
                                                      logger=SOCKET_LOG)
                self._socket.client.wss_uri = url  # the URL the check was given
                connect = asyncio.ensure_future(self._socket.connect_async())  # type: ignore[no-untyped-call]
                stopped = asyncio.ensure_future(self._stop.wait())
                await asyncio.wait([connect, stopped], return_when=asyncio.FIRST_COMPLETED)
                if not connect.done():
                    connect.cancel()
                else:
                    connect.result()
                stopped.cancel()
            else:
                await self._serve_http()
            await self._stop.wait()
        finally:
            self.core.platforms.set_ready(PLATFORM, False)
            await self._shutdown()

    async def _check_bot_token(self) -> None:
        try:
            await self.client.auth_test()
        except SlackApiError as exc:
            error = slack_error(exc)
            if error in FATAL_AUTH:
                raise ConfigError(f"Slack refused SLACK_BOT_TOKEN ({error}): reinstall the "
                                  "app and copy its Bot User OAuth Token.") from None
            raise PlatformError(f"auth.test: {error}") from None

    async def _check_app_token(self) -> str:
        assert self.app_token is not None
        try:
            resp = await self.client.apps_connections_open(app_token=self.app_token)
        except SlackApiError as exc:
            error = slack_error(exc)
            if error in FATAL_AUTH:
                raise ConfigError(f"Slack refused SLACK_APP_TOKEN ({error}): create an "
                                  "app-level token with connections:write under Basic "
                                  "Information, App-Level Tokens.") from None
            raise PlatformError(f"apps.connections.open: {error}") from None
        return str(resp["url"])

    async def _serve_http(self) -> None:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_post("/slack/events", self._http)
        flow = self.app.oauth_flow
        if flow is not None:   # "Add to Slack": start an install, and Slack's redirect back
            app.router.add_get(flow.install_path, self._oauth_page)
            app.router.add_get(flow.redirect_uri_path, self._oauth_page)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if isinstance(server, asyncio.Server) and server.sockets:
            self.bound_port = server.sockets[0].getsockname()[1]
        log.info("Slack events served on %s:%s/slack/events", self.host, self.bound_port)

    async def _http(self, request: web.Request) -> web.Response:
        """Verify, then hand to Bolt. A rejected request is one log line, never its body."""
        raw = await request.read()
        headers = request.headers
        ok = self._verifier is not None and self._verifier.is_valid(
            body=raw, timestamp=headers.get("X-Slack-Request-Timestamp", ""),
            signature=headers.get("X-Slack-Signature", ""))
        if not ok:
            log.warning("rejected a Slack request: bad, missing or stale signature (%d "
                        "bytes)", len(raw))
            return web.Response(status=401, text="invalid signature")
        text = raw.decode("utf-8", "replace")
        if not _well_formed(text, request.content_type):
            log.warning("rejected a Slack request: a signed but malformed %s body (%d bytes)",
                        request.content_type, len(raw))
            return web.Response(status=400, text="malformed body")
        response = await self.app.async_dispatch(AsyncBoltRequest(
            body=text, query=request.query_string, headers=dict(request.headers)))
        return await to_aiohttp_response(response)

    async def _oauth_page(self, request: web.Request) -> web.Response:
        """Bolt's install redirect (with the state cookie) or its callback: the code is
        exchanged for the workspace's token, and the page says whether that worked."""
        flow = self.app.oauth_flow
        assert flow is not None
        bolt = AsyncBoltRequest(body="", query=request.query_string,
                                headers=dict(request.headers))
        handle = flow.handle_installation if request.path == flow.install_path \
            else flow.handle_callback
        return await to_aiohttp_response(await handle(bolt))

    async def stop(self) -> None:
        self._stop.set()

    async def _shutdown(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack listener failed: %s (%s)", type(error).__name__, error,
                  exc_info=error)

    # -- people ----------------------------------------------------------------------------

    @speaks_for(lambda team, *_, **__: team)
    async def actor(self, team: str, user: str, *, max_age: float = USER_TTL) -> Actor:
        """The person behind a Slack user id, with admin rights from users.info read at most
        ``max_age`` seconds ago."""
        now = self.monotonic()
        cached = self._users.get((team, user))
        if cached and now - cached[0] < max_age:
            return cached[1]
        name, admin = user, False
        try:
            info = (await self.client.users_info(user=user)).get("user") or {}
            profile = info.get("profile") or {}
            name = (profile.get("display_name") or profile.get("real_name")
                    or info.get("name") or user)
            admin = bool(info.get("is_admin") or info.get("is_owner")
                         or info.get("is_primary_owner"))
        except SlackApiError as exc:
            log.warning("users.info failed for a user: %s", slack_error(exc))
        found = Actor(PLATFORM, team, user, str(name)[:80], is_admin=admin)
        self._users[(team, user)] = (now, found)
        return found

    @speaks_for(lambda workspace, *_, **__: workspace)
    async def group_members(self, workspace: str, group_id: str) -> list[Actor]:
        try:
            resp = await self.client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as exc:
            log.warning("usergroups.users.list failed: %s", slack_error(exc))
            return []
        return [await self.actor(workspace, u) for u in resp.get("users") or []]

    async def _resolve(self, team: str, token: str) -> Actor | None:
        m = re.fullmatch(r"<@([A-Z0-9]+)(?:\|[^>]*)?>", token.strip())
        return await self.actor(team, m.group(1)) if m else None

    # -- ChatPlatform ----------------------------------------------------------------------

    @speaks_for(lambda channel, *_, **__: channel.workspace)
    async def send(self, channel: ChannelRef, message: Message, *,
                   thread_id: str | None = None) -> Sent:
        try:
            metadata = {"event_type": METADATA_EVENT,
                        "event_payload": {"key": message.key}} if message.key else None
            resp = await self.client.chat_postMessage(
                channel=channel.channel, text=fallback_text(message), blocks=to_blocks(message),
                thread_ts=thread_id, unfurl_links=False, unfurl_media=False, metadata=metadata)
        except SlackApiError as exc:
            error = slack_error(exc)
            retryable = exc.response.status_code in (429, 500, 502, 503, 504) or \
                error not in PERMANENT_ERRORS
            raise PlatformError(f"chat.postMessage: {error}", retryable=retryable) from None
        except Exception as exc:  # connection drops, timeouts
            raise PlatformError(f"chat.postMessage: {type(exc).__name__}") from None
        ts = str(resp["ts"])
        return Sent(ts, thread_id or ts)

    async def reaches(self, workspace: str) -> bool:
        """One token: every workspace it speaks in. Many: those installed now."""
        if self._installs is None:
            return True
        return await self._installs.find(None, workspace) is not None

    @speaks_for(lambda workspace, *_, **__: workspace)
    async def tell(self, workspace: str, user_id: str, message: Message) -> None:
        if message.attachment is not None:   # a digest's picture: uploaded into the DM
            message = await self._send_file(user_id, message)
        try:
            await self.client.chat_postMessage(channel=user_id, text=fallback_text(message),
                                               blocks=to_blocks(message))
        except SlackApiError as exc:
            raise PlatformError(f"DM: {slack_error(exc)}", retryable=False) from None

    @speaks_for(lambda channel, *_, **__: channel.workspace)
    async def find_sent(self, channel: ChannelRef, key: str,
                        thread_id: str | None = None) -> Sent | None:
        """A post carrying ``key`` (as its first block's id, and in its metadata) among the
        channel's (or thread's) recent messages: what an attempt interrupted before our
        commit may have posted. History always returns blocks; whether it returns metadata
        depends on scopes Slack's documentation leaves unclear, so the block id is the key
        relied on."""
        try:
            if thread_id:
                resp = await self.client.conversations_replies(
                    channel=channel.channel, ts=thread_id, limit=200, include_all_metadata=True)
            else:
                resp = await self.client.conversations_history(
                    channel=channel.channel, limit=100, include_all_metadata=True)
        except SlackApiError as exc:
            raise PlatformError(f"history lookup: {slack_error(exc)}") from None
        block_id = _block_key(key)
        for msg in resp.get("messages") or []:
            meta = msg.get("metadata") or {}
            if (meta.get("event_type") == METADATA_EVENT and
                    (meta.get("event_payload") or {}).get("key") == key) or \
                    any(b.get("block_id") == block_id for b in msg.get("blocks") or []):
                ts = str(msg["ts"])
                return Sent(ts, thread_id or ts)
        return None

    @speaks_for(lambda message, *_, **__: message.channel.workspace)
    async def acknowledge(self, message: IncomingMessage, outcome: AnswerOutcome) -> None:
        if message.private:
            await self._ephemeral(message.channel.channel, message.actor.user_id, reply(
                "Answer received", "It stays private until the reveal; send another to "
                "replace it."))
            return
        try:
            await self.client.reactions_add(channel=message.channel.channel,
                                            timestamp=message.message_id,
                                            name=REACTIONS.get(outcome, "white_check_mark"))
        except SlackApiError as exc:
            if slack_error(exc) != "already_reacted":
                raise PlatformError(f"reactions.add: {slack_error(exc)}") from None

    @speaks_for(lambda message, *_, **__: message.channel.workspace)
    async def ask_privately(self, message: IncomingMessage, note: Message) -> None:
        """A follow-up after an answer: an ephemeral note where they answered (in the
        thread; a form's answer: in the channel), a DM if that fails."""
        await self._ephemeral(message.channel.channel, message.actor.user_id, note,
                              None if message.private else message.thread_id)

    async def _ephemeral(self, channel: str, user: str, message: Message,
                         thread_ts: str | None = None) -> None:
        try:
            await self.client.chat_postEphemeral(channel=channel, user=user,
                                                 text=fallback_text(message),
                                                 blocks=to_blocks(message), thread_ts=thread_ts)
        except SlackApiError as exc:  # e.g. not in channel: fall back to a direct message
            first = slack_error(exc)
            log.info("ephemeral failed (%s); sending a DM", first)
            try:
                await self.client.chat_postMessage(channel=user, text=fallback_text(message),
                                                   blocks=to_blocks(message))
            except SlackApiError as dm:
                raise PlatformError(f"ephemeral: {first}, then DM: {slack_error(dm)}",
                                    retryable=False) from None

    # -- events ----------------------------------------------------------------------------

    async def _on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        subtype = event.get("subtype")
        if subtype is not None and not isinstance(subtype, str):
            return
        if subtype == "message_deleted":
            previous = event.get("previous_message")
            deleted = event.get("deleted_ts") or (
                previous.get("ts") if isinstance(previous, dict) else None)
            if isinstance(deleted, str) and deleted:
                await self.core.rounds.withdraw_answer(PLATFORM, _team_of(body), deleted)
            return
        edited = subtype == "message_changed"
        inner = event.get("message", {}) if edited else event
        if not isinstance(inner, dict):
            return
        if subtype not in ANSWER_SUBTYPES or inner.get("bot_id") or \
                inner.get("subtype") == "bot_message":
            return
        if edited and not inner.get("edited"):
            return  # an unfurl or attachment update, not the author's edit
        user, ts, thread = inner.get("user"), inner.get("ts"), inner.get("thread_ts")
        channel = event.get("channel")
        if not (user and ts and thread and channel) or thread == ts:
            return  # only replies in a thread can be answers
        team = _team_of(body)
        text = str(inner.get("text") or "")
        files = inner.get("files")
        if not text.strip() and isinstance(files, list) and files:
            names = ", ".join(str(f.get("name") or "a file") if isinstance(f, dict)
                              else "a file" for f in files)
            text = f"(shared {names[:200]})"
        msg = IncomingMessage(await self.actor(team, user), ChannelRef(PLATFORM, team, channel),
                              text, str(ts), thread_id=str(thread),
                              event_id=body.get("event_id"), edited=edited)
        result = await self.core.rounds.record_answer(msg)
        if result.reply is not None:
            await self._ephemeral(channel, user, result.reply, thread)

    async def _on_reaction(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        if event.get("reaction", "").split("::")[0] not in VOTE_REACTIONS or \
                item.get("type") != "message" or not event.get("user"):
            return
        team = _team_of(body)
        voter = await self.actor(team, event["user"])
        result = await self.core.rounds.vote_for_message(
            voter, ChannelRef(PLATFORM, team, item["channel"]), str(item["ts"]))
        if result is not None:
            await self._ephemeral(item["channel"], event["user"], result)

    async def _on_home(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        team = _team_of(body)
        me = await self.actor(team, event["user"])
        stats = await self.core.reports.stats(me)
        blocks = to_blocks(stats)
        for sub in await self.core.subscriptions.active([PLATFORM]):
            if sub.channel.workspace != team:
                continue
            board = await self.core.leaderboard.channel(sub.channel, Period.WEEK, me, limit=5)
            blocks += [{"type": "divider"}, *to_blocks(board)]
        await self.client.views_publish(user_id=event["user"],
                                        view={"type": "home", "blocks": blocks[:100]})

    # -- commands --------------------------------------------------------------------------

    async def _on_command(self, ack: Any, body: dict[str, Any], command: dict[str, Any],
                          respond: Any) -> None:
        await ack()
        team, user = _team_of(body), command.get("user_id", "")
        slash, text = command.get("command", ""), command.get("text", "")
        text = _SUBTEAM.sub(lambda m: m.group(1), text)
        routed = route(PLATFORM, slash, text)
        if routed is None:  # /quizadmin or /quizteam without a known word: its commands
            group = "team" if slash == "/quizteam" else "channel"
            await respond(text=mrkdwn(help_text(PLATFORM, group)), response_type="ephemeral")
            return
        name, args = routed
        trigger = str(body.get("trigger_id") or "")
        form = None
        if name == "quiz" and args.split(" ", 1)[0].lower() not in (*AT_ONCE, "interview"):
            # these ask nothing at once; an interview answers with its first question and button
            form = await self._open_form(trigger, respond)  # before anything slow
            if form is None:
                return
        me = await self.actor(team, user, max_age=COMMAND_USER_TTL)
        channel = ChannelRef(PLATFORM, team, command.get("channel_id", ""))
        ctx = CommandContext(me, channel, command.get("channel_name", ""),
                             lambda token: self._resolve(team, token),
                             request_id=trigger or None)
        if form is not None:
            await self._quiz(ctx, args, form, respond)
            return
        result = await self.core.commands.run(ctx, name, args)
        await self._respond(respond, result, user)

    async def _respond(self, respond: Any, result: CommandResult, user: str = "") -> None:
        message = result.message
        if message.attachment is not None and user:
            message = await self._send_file(user, message)
        await respond(text=fallback_text(message), blocks=to_blocks(message),
                      response_type="ephemeral")

    async def _send_file(self, user: str, message: Message) -> Message:
        """Upload the message's file (an export, a report picture) into the person's direct
        message with the bot, and return the reply saying where it went. Not the channel:
        a command's reply is private, and an export is a lead's data. If the upload fails
        the reply says why, and a text file stays inline (cut to fit)."""
        file = attachment_data(message)
        assert file is not None and message.attachment is not None
        name, data, _ = file
        try:
            opened = await self.client.conversations_open(users=user)
            channel = str((opened.get("channel") or {}).get("id", ""))
            await self.client.files_upload_v2(channel=channel, file=data, filename=name,
                                              title=name, initial_comment=message.title)
        except SlackApiError as exc:
            problem = slack_error(exc)
        except SlackClientError as exc:  # the upload URL refused the bytes
            problem = str(exc)[:100]
        else:
            return replace(message, attachment=None, sections=(*message.sections, Section(
                "", f"`{name}` is in your direct messages with quizbot.")))
        log.warning("could not upload %s: %s", name, problem)
        text = message.attachment if isinstance(message.attachment[1], str) else None
        return replace(message, attachment=text, sections=(*message.sections, Section(
            "", f"I could not send `{name}` as a file ({problem}).")))

    async def _open_form(self, trigger_id: str, respond: Any) -> dict[str, Any] | None:
        """Open a modal at once (the trigger_id expires 3 s after the command) that the work
        fills in later; None, with the person told, if Slack would not open it."""
        try:
            resp = await self.client.views_open(trigger_id=trigger_id, view=_loading_modal())
        except SlackApiError as exc:
            log.warning("views.open failed: %s", slack_error(exc))
            await respond(text="I could not open the practice form in time; please run /quiz "
                          "again.", response_type="ephemeral")
            return None
        view: dict[str, Any] = resp.get("view") or {}
        return view

    async def _quiz(self, ctx: CommandContext, text: str, form: dict[str, Any],
                    respond: Any) -> None:
        result = await self.core.commands.run(ctx, "quiz", text)
        practice = result.practice
        if isinstance(practice, PracticeQuestion):
            meta = json.dumps({"attempt": practice.attempt_id, "channel": ctx.channel.channel})
            view = _answer_modal("quiz_answer", "Practice question", practice.message, meta)
        else:
            view = _notice_modal(result.message)
        try:
            await self.client.views_update(view_id=form.get("id", ""), hash=form.get("hash"),
                                           view=view)
        except SlackApiError as exc:
            log.warning("views.update failed: %s", slack_error(exc))
            await self._respond(respond, result)

    async def _on_answer_button(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        action = (body.get("actions") or [{}])[0]
        channel = (body.get("channel") or {}).get("id", "")
        meta = json.dumps({"round": int(action.get("value", "0")), "channel": channel})
        question = reply("Your answer", "It stays hidden from everyone until the reveal.")
        await self.client.views_open(trigger_id=body.get("trigger_id", ""),
                                     view=_answer_modal("blind_answer", "Answer privately",
                                                        question, meta))

    async def _on_rate_button(self, ack: Any, body: dict[str, Any]) -> None:
        """A tap under a result: override that review's rating (the tapper's own only)."""
        await ack()
        action = (body.get("actions") or [{}])[0]
        user = str((body.get("user") or {}).get("id", ""))
        channel = str((body.get("channel") or {}).get("id", "")) or user
        me = await self.actor(_team_of(body), user)
        note = await self.core.practice.rate_button(
            me, f"{render.RATE_ACTION}{action.get('value', '')}")
        await self._ephemeral(channel, user, note)

    async def _on_form_button(self, ack: Any, body: dict[str, Any]) -> None:
        """"Answer the follow-up" or a mock interview's "Answer": open its form (the
        trigger_id lives 3 s, so before anything else)."""
        await ack()
        action = (body.get("actions") or [{}])[0]
        kind = str(action.get("action_id", ""))
        channel = str((body.get("channel") or {}).get("id", ""))
        meta = json.dumps({"value": str(action.get("value", ""))[:100], "channel": channel})
        title = "Follow-up answer" if kind == FOLLOW_UP_FORM else "Mock interview"
        intro = reply("", "Your answer to the question above." if kind == INTERVIEW_FORM
                      else "Your answer to the follow-up question.")
        try:
            await self.client.views_open(trigger_id=body.get("trigger_id", ""),
                                         view=_answer_modal(kind, title, intro, meta))
        except SlackApiError as exc:
            log.warning("views.open failed: %s", slack_error(exc))
            user = str((body.get("user") or {}).get("id", ""))
            await self._ephemeral(channel or user, user, reply(
                "I could not open the form in time", "Tap the button again" + (
                    ", or type /quiz followup YOUR ANSWER." if kind == FOLLOW_UP_FORM else ".")))

    async def _on_follow_up_submit(self, ack: Any, body: dict[str, Any],
                                   view: dict[str, Any]) -> None:
        await ack()
        meta, text, team, user = _submission(body, view)
        value = str(meta.get("value", ""))
        replied = await self.core.commands.follow_ups.reply(
            await self.actor(team, user), text,
            follow_up_id=int(value) if value.isascii() and value.isdigit() else 0,
            event_id=f"view:{view.get('id', '')}:{view.get('hash', '')}")
        await self._ephemeral(str(meta.get("channel") or user), user, replied.message)

    async def _on_interview_submit(self, ack: Any, body: dict[str, Any],
                                   view: dict[str, Any]) -> None:
        await ack()
        meta, text, team, user = _submission(body, view)
        ids = render.parse_id_action(f"{render.INTERVIEW_ACTION}{meta.get('value', '')}",
                                     render.INTERVIEW_ACTION, 2)
        me = await self.actor(team, user)
        after = await self.core.commands.interviews.answer(
            me, text, interview_id=ids[0] if ids else 0, step=ids[1] if ids else None)
        await self._ephemeral(str(meta.get("channel") or user), user, after)

    async def _on_quiz_submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()
        meta, text, team, user = _submission(body, view)
        me = await self.actor(team, user)
        result = await self.core.practice.answer(me, int(meta.get("attempt", 0)), text)
        await self._ephemeral(str(meta.get("channel") or user), user, result)

    async def _on_blind_submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()
        meta, text, team, user = _submission(body, view)
        channel = str(meta.get("channel", ""))
        msg = IncomingMessage(await self.actor(team, user), ChannelRef(PLATFORM, team, channel),
                              text, f"modal:{view.get('id', '')}",
                              event_id=f"view:{view.get('id', '')}:{view.get('hash', '')}",
                              round_id=int(meta.get("round", 0)))
        result = await self.core.rounds.record_answer(msg)
        if result.reply is not None:
            await self._ephemeral(channel, user, result.reply)
        elif result.outcome is AnswerOutcome.NO_ROUND:
            await self._ephemeral(channel, user, reply("That round is not open",
                                                       "Nothing was recorded."))


class _OneLineConnectErrors(logging.Filter):
    """slack_sdk retries a failed Socket Mode connect every few seconds with a traceback
    each time; one line each is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.exc_info, record.exc_text = None, None
        return True


SOCKET_LOG = logging.getLogger(f"{__name__}.socket")
SOCKET_LOG.addFilter(_OneLineConnectErrors())
MAX_REQUEST_BYTES = 1024 * 1024


def _well_formed(text: str, content_type: str) -> bool:
    """Whether Bolt can read the body: JSON for events, a form (with a JSON payload for
    interactions) for commands and actions."""
    try:
        if content_type == "application/json":
            return isinstance(json.loads(text), dict)
        form = parse_qs(text, strict_parsing=bool(text))
        if "payload" in form:
            return isinstance(json.loads(form["payload"][0]), dict)
        return bool(form)
    except ValueError:
        return False


def _loading_modal() -> dict[str, Any]:
    return {"type": "modal", "callback_id": "quiz_loading",
            "title": {"type": "plain_text", "text": "Practice question"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn",
                                                    "text": "_Picking a question for you…_"}}]}


def _notice_modal(message: Message) -> dict[str, Any]:
    """A reply shown in the form /quiz opened. A modal title holds 24 characters, so a
    longer one (it may carry the news: "Nothing is due for review; next review: ...") is
    kept whole as the form's header."""
    message = spelled(message, PLATFORM)
    title = message.title or "quizbot"
    kept = ("section", "context", "header") if len(title) > 24 else ("section", "context")
    blocks = [b for b in to_blocks(message) if b["type"] in kept][:20]
    return {"type": "modal", "callback_id": "quiz_notice",
            "title": {"type": "plain_text",
                      "text": title if len(title) <= 24 else title[:23].rstrip() + "…"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": blocks or [{"type": "section", "text": {"type": "mrkdwn",
                                                              "text": message.text()[:2900]}}]}


def _answer_modal(callback_id: str, title: str, question: Message, meta: str) -> dict[str, Any]:
    blocks = [b for b in to_blocks(question) if b["type"] in ("section", "context")][:20]
    blocks.append({"type": "input", "block_id": "answer", "label": {
        "type": "plain_text", "text": "Your answer"}, "element": {
        "type": "plain_text_input", "action_id": "text", "multiline": True,
        "max_length": 3000}})
    return {"type": "modal", "callback_id": callback_id, "private_metadata": meta,
            "title": {"type": "plain_text", "text": title[:24]},
            "submit": {"type": "plain_text", "text": "Submit"},
            "close": {"type": "plain_text", "text": "Cancel"}, "blocks": blocks}


def _submission(body: dict[str, Any], view: dict[str, Any]) -> tuple[dict[str, Any], str,
                                                                        str, str]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    values = (view.get("state") or {}).get("values") or {}
    text = str(((values.get("answer") or {}).get("text") or {}).get("value") or "")
    user = (body.get("user") or {}).get("id", "")
    return (meta if isinstance(meta, dict) else {}), text, _team_of(body), user
