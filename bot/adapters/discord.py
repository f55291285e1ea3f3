"""The Discord adapter: a discord.py Client with an app-command tree, on the shared loop.

It translates and nothing more. The daily question is an embed with a public thread created
on it; thread replies are answers (this needs the privileged Message Content intent, a
setting: without it answers come through a button and a form only). Buttons are
DynamicItems, so they keep working after a restart. Every interaction that may wait on the
database is deferred first, so it is answered within Discord's 3 seconds.

Posts carry their key (Message.key) in the embed footer and as an enforced nonce: a retry
within minutes gets the same message back from Discord, and a retry after a crash finds the
post in the channel's recent history (find_sent) instead of posting it again.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord import app_commands

from bot.adapters import discord_appeals
from bot.adapters.base import (
    Actor,
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
from bot.adapters.discord_forms import (
    FollowUpButton,
    InterviewButton,
    add_form_buttons,
)
from bot.domain.periods import Period
from bot.domain.questions import Level
from bot.domain.rounds import AnswerOutcome
from bot.domain.subscriptions import ChannelRef
from bot.services import render
from bot.services.catalogue import help_text, route, spelled
from bot.services.commands import CommandContext, CommandResult
from bot.services.practice import PracticeQuestion

if TYPE_CHECKING:
    from bot.services.port import CoreServices

log = logging.getLogger(__name__)


class _NoVoice(logging.Filter):
    """discord.py warns at every start that voice needs PyNaCl and davey; quizbot has no
    voice, so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


logging.getLogger("discord.client").addFilter(_NoVoice())

PLATFORM = "discord"
ACK_EMOJI = {AnswerOutcome.RECORDED: "✅", AnswerOutcome.REPLACED: "✏️",
             AnswerOutcome.LATE: "⌛", AnswerOutcome.DUPLICATE: "✅"}
VOTE_EMOJI = {"👍", "⭐", "💡", "🔥", "❤️", "👏"}
FIELD_LIMIT, EMBED_LIMIT, EMBEDS_PER_MESSAGE, FIELDS_PER_EMBED = 1024, 6000, 10, 25
#: what a bot may attach to a direct message (there is no server boost to read it from)
DM_UPLOAD_LIMIT = 10 * 1024 * 1024
COLOR = 0x5865F2
IDENTIFY_WINDOW = 5.0               # seconds between identifies of one rate-limit key
HISTORY_LOOKBACK = 50               # recent messages searched for an earlier post
CATCH_UP_MESSAGES = 500             # of an open round's thread, read back after an outage
THREAD_ALREADY_EXISTS = 160004      # "A thread has already been created for this message"
THREAD_ARCHIVED = 50083             # "Thread is archived"
#: the bot's permissions: read and post in channels and threads, start and archive threads,
#: embed, react (acknowledgements)
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True,
                                  send_messages_in_threads=True, create_public_threads=True,
                                  manage_threads=True, embed_links=True, add_reactions=True,
                                  read_message_history=True)


PRIVILEGED_INTENTS_HELP = (
    "Discord closed the gateway with 4014: the bot asks for a privileged intent the "
    "developer portal does not grant. Turn on 'Message Content Intent' (and 'Server Members "
    "Intent' if QUIZBOT_DISCORD_MEMBERS_INTENT=true) under Bot, Privileged Gateway Intents, "
    "or set QUIZBOT_DISCORD_MESSAGE_CONTENT=false to take answers by button only.")
#: gateway close codes no reconnect can cure (topics/opcodes-and-status-codes)
SHARDING_HELP = {
    4010: "Discord closed the gateway with 4010 (invalid shard): each of "
          "QUIZBOT_DISCORD_SHARD_IDS must be below QUIZBOT_DISCORD_SHARDS, and a very large "
          "bot's shard count a multiple of the one Discord assigned it. Unset "
          "QUIZBOT_DISCORD_SHARDS and set QUIZBOT_DISCORD_SHARDED=true to take Discord's "
          "recommendation.",
    4011: "Discord closed the gateway with 4011 (sharding required): the bot is in more "
          "servers than one connection may hold. Set QUIZBOT_DISCORD_SHARDED=true (or "
          "QUIZBOT_DISCORD_SHARDS).",
}


def _tolerate_malformed_events(client: discord.Client) -> None:
    """A gateway event discord.py cannot parse (a partial MESSAGE_UPDATE without "type")
    raises inside its parser and would end the connection; log it and go on instead."""
    state = client._connection
    for event, parse in list(state.parsers.items()):
        state.parsers[event] = _guarded(event, parse)


def _guarded(event: str, parse: Callable[[Any], None]) -> Callable[[Any], None]:
    def guarded(data: Any) -> None:
        try:
            parse(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            log.warning("ignored a malformed %s event (%s: %s)", event, type(exc).__name__,
                        exc)
    return guarded


def _nonce(key: str) -> str:
    """Discord nonces are at most 25 characters."""
    return "qb" + hashlib.sha256(key.encode()).hexdigest()[:23]


def _platform_error(what: str, exc: discord.HTTPException) -> PlatformError:
    """Only rate limits and server errors pass by themselves; a 403 (missing access or
    permission), 404 (unknown channel) or 400 needs a person, and the lead is told."""
    retryable = exc.status >= 500 or exc.status == 429
    return PlatformError(f"Discord {what} {exc.status}: {exc.text[:100]}", retryable=retryable)


def redirect(api_base: str | None, gateway_url: str | None) -> None:
    """Point discord.py at another REST base / gateway (proxies and local fakes)."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def application_id_from_token(token: str) -> int:
    """A bot token's first part is the base64 bot user id, which is the application id."""
    head = token.split(".", 1)[0]
    return int(base64.b64decode(head + "=" * (-len(head) % 4)).decode())


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS,
                                   scopes=("bot", "applications.commands"))


def _size(embed: discord.Embed) -> int:
    return len(embed)


def to_embeds(message: Message) -> list[discord.Embed]:
    """A neutral Message as embeds, each within Discord's field and embed limits."""
    message = spelled(message, PLATFORM)
    embeds = [discord.Embed(title=message.title[:256] or None, color=COLOR)]
    for section in message.sections:
        for i, chunk in enumerate(split_text(section.body, FIELD_LIMIT) or ["\u200b"]):
            name = (section.heading or "\u200b")[:240] + (" (cont.)" if i else "")
            current = embeds[-1]
            if len(current.fields) >= FIELDS_PER_EMBED or \
                    _size(current) + len(name) + len(chunk) > EMBED_LIMIT - 300:
                current = discord.Embed(color=COLOR)
                embeds.append(current)
            current.add_field(name=name, value=chunk, inline=False)
    name, content = message.attachment or ("", b"")
    if isinstance(content, str):  # text shown inline (a picture is only ever a file)
        body = content[: FIELD_LIMIT - 20]
        embeds[-1].add_field(name=name[:200], value=f"```\n{body}```", inline=False)
    footer = " · ".join(p for p in (message.footer[:1900], message.key) if p)
    if footer:
        embeds[-1].set_footer(text=footer)
    return embeds


def as_file(message: Message, limit: int) -> tuple[Message, discord.File | None]:
    """The message's file as a discord.File to attach, and the message to show beside it.
    A file over the upload ``limit`` stays behind, and the message says so."""
    file = attachment_data(message)
    if file is None:
        return message, None
    name, data, _ = file
    if len(data) > limit and message.attachment is not None:
        note = Section("", f"`{name}` is too large to attach here ({len(data) // 1024} KiB; "
                           f"the limit is {limit // 1024} KiB).")
        text = message.attachment if isinstance(message.attachment[1], str) else None
        return replace(message, attachment=text, sections=(*message.sections, note)), None
    return replace(message, attachment=None), discord.File(io.BytesIO(data), filename=name)


def batches(embeds: Sequence[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages: at most 10 per message and 6000 characters in total."""
    out: list[list[discord.Embed]] = [[]]
    total = 0
    for embed in embeds:
        if out[-1] and (len(out[-1]) >= EMBEDS_PER_MESSAGE or total + len(embed) > EMBED_LIMIT):
            out.append([])
            total = 0
        out[-1].append(embed)
        total += len(embed)
    return out


def definitions_hash(tree: app_commands.CommandTree[Any]) -> str:
    payload = [cmd.to_dict(tree) for cmd in tree.get_commands()]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=r"quizbot:answer:(?P<round>[0-9]+)"):
    """The blind-mode "Answer privately" button of a daily question."""

    def __init__(self, round_id: int) -> None:
        super().__init__(discord.ui.Button(label="Answer privately",
                                           style=discord.ButtonStyle.primary,
                                           custom_id=f"quizbot:answer:{round_id}"))
        self.round_id = round_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str],
                             ) -> AnswerButton:
        return cls(int(match["round"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        adapter: DiscordAdapter = interaction.client.adapter
        await interaction.response.send_modal(BlindAnswerModal(adapter, self.round_id))


class PracticeButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                     template=r"quizbot:practice:(?P<attempt>[0-9]+)"):
    """The "Answer" button under a private /quiz question."""

    def __init__(self, attempt_id: int) -> None:
        super().__init__(discord.ui.Button(label="Answer", style=discord.ButtonStyle.primary,
                                           custom_id=f"quizbot:practice:{attempt_id}"))
        self.attempt_id = attempt_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str],
                             ) -> PracticeButton:
        return cls(int(match["attempt"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        adapter: DiscordAdapter = interaction.client.adapter
        await interaction.response.send_modal(PracticeModal(adapter, self.attempt_id))


class RateButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"quizbot:rate:(?P<source>daily|practice):(?P<id>[0-9]{1,12}):"
                          r"(?P<word>knew|partly|didnt)"):
    """One of the "I knew it / Partly / I didn't" taps under a practice result."""

    def __init__(self, action: str, label: str) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary,
                                           custom_id=f"quizbot:{action}"))
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str],
                             ) -> RateButton:
        return cls(str(match.group(0)).removeprefix("quizbot:"), "")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        adapter: DiscordAdapter = interaction.client.adapter
        await interaction.response.defer(ephemeral=True, thinking=True)
        actor = adapter.actor_of(interaction.user, interaction.guild)
        note = await adapter.core.practice.rate_button(actor, self.action)
        await adapter.followup(interaction, note)


def rate_view(message: Message) -> discord.ui.View | None:
    """The rate buttons of a result, with its follow-up and interview buttons (and, in the
    row below, its appeal and flag buttons), as a persistent view; None when it has none."""
    view = discord.ui.View(timeout=None)
    for b in message.buttons:
        if b.action.startswith(render.RATE_ACTION):
            view.add_item(RateButton(b.action, b.label))
    add_form_buttons(view, message)
    discord_appeals.add_buttons(view, message)
    return view if view.children else None


class _AnswerModal(discord.ui.Modal):
    answer: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Your answer", style=discord.TextStyle.paragraph, max_length=4000)


class BlindAnswerModal(_AnswerModal, title="Answer privately"):
    def __init__(self, adapter: DiscordAdapter, round_id: int) -> None:
        super().__init__(custom_id=f"quizbot:blind:{round_id}")
        self.adapter, self.round_id = adapter, round_id

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await self.adapter.blind_answer(interaction, self.round_id, str(self.answer.value))


class PracticeModal(_AnswerModal, title="Practice answer"):
    def __init__(self, adapter: DiscordAdapter, attempt_id: int) -> None:
        super().__init__(custom_id=f"quizbot:practice-answer:{attempt_id}")
        self.adapter, self.attempt_id = adapter, attempt_id

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        actor = self.adapter.actor_of(interaction.user, interaction.guild)
        result = await self.adapter.core.practice.answer(actor, self.attempt_id,
                                                         str(self.answer.value))
        await self.adapter.followup(interaction, result, rate_view(result))


class QuizClient(discord.Client):
    """The client; it knows its adapter, so buttons and modals can reach the core."""

    def __init__(self, adapter: DiscordAdapter, *, intents: discord.Intents,
                 **options: Any) -> None:
        super().__init__(intents=intents, guild_ready_timeout=0.5,
                         allowed_mentions=discord.AllowedMentions.none(), **options)
        self.adapter = adapter
        self.tree: app_commands.CommandTree[Any] = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(AnswerButton, PracticeButton, RateButton, FollowUpButton,
                               InterviewButton, *discord_appeals.DYNAMIC)
        await self.adapter.sync_commands()


class ShardedQuizClient(discord.AutoShardedClient, QuizClient):
    """The same, sharded for very large installs: one gateway connection per shard (all,
    or the ``shard_ids`` this replica holds), events from all of them on the one adapter."""

    _concurrency: int | None = None
    _identified: dict[int, float]

    async def before_identify_hook(self, shard_id: int | None, *,
                                   initial: bool = False) -> None:
        """Discord lets ``max_concurrency`` shards identify together, one per rate-limit key
        (shard_id % max_concurrency) every 5 seconds (topics/gateway, "Max Concurrency");
        discord.py waits 5 seconds before every shard but the first instead."""
        if self._concurrency is None:
            self._identified = {}
            try:
                self._concurrency = max(1, (await self.fetch_session_start_limits())
                                        .max_concurrency)
            except discord.DiscordException:
                self._concurrency = 1
        key = (shard_id or 0) % self._concurrency
        loop = asyncio.get_running_loop()
        wait = self._identified.get(key, -IDENTIFY_WINDOW) + IDENTIFY_WINDOW - loop.time()
        self._identified[key] = loop.time() + max(0.0, wait)
        if wait > 0:
            await asyncio.sleep(wait)


class DiscordAdapter:
    name = PLATFORM
    #: "All bots can make up to 50 requests per second to our API" (Discord's rate-limit
    #: docs, Global Rate Limit); a daily post is two (the message, its thread). Posts take
    #: 40 of the 50, leaving the rest to what the bot does meanwhile (answers' reactions).
    post_pace = PostPace(40.0, "bot", requests=2)

    def __init__(self, core: CoreServices, *, token: str, guild_id: int | None = None,
                 sharded: bool = False, shard_count: int | None = None,
                 shard_ids: Sequence[int] | None = None, members_intent: bool = False,
                 message_content: bool = True, api_base: str | None = None,
                 gateway_url: str | None = None) -> None:
        self.core, self._token, self.guild_id = core, token, guild_id
        redirect(api_base, gateway_url)
        intents = discord.Intents.default()
        intents.message_content = message_content
        intents.members = members_intent
        #: whether thread replies can be read as answers (else: the answer button only)
        self.reads_replies = message_content
        # a shard count of its own, or (None) the one GET /gateway/bot recommends
        sharded = sharded or shard_count is not None
        shards: dict[str, Any] = {"shard_count": shard_count, "shard_ids": list(
            shard_ids) if shard_ids is not None else None} if sharded else {}
        client_class = ShardedQuizClient if sharded else QuizClient
        self.client: QuizClient = client_class(self, intents=intents, **shards)
        self.sharded = sharded
        self.ready = asyncio.Event()
        self._catching_up: asyncio.Future[None] | None = None
        self.client.event(self.on_ready)
        self.client.event(self.on_message)
        self.client.event(self.on_raw_message_edit)
        self.client.event(self.on_raw_reaction_add)
        self.client.event(self.on_raw_message_delete)
        build_commands(self)
        core.platforms.register(self, ready=False)
        core.teams.directories[PLATFORM] = self

    # -- lifecycle -------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            async with self.client:
                _tolerate_malformed_events(self.client)
                await self.client.start(self._token)
        except discord.PrivilegedIntentsRequired:
            raise ConfigError(PRIVILEGED_INTENTS_HELP) from None
        except discord.ConnectionClosed as exc:
            if exc.code in SHARDING_HELP:
                raise ConfigError(SHARDING_HELP[exc.code]) from None
            raise
        except discord.LoginFailure:
            raise ConfigError("Discord refused the token (401): check DISCORD_TOKEN in the "
                              "developer portal under Bot, Reset Token.") from None
        finally:
            self.core.platforms.set_ready(PLATFORM, False)

    async def stop(self) -> None:
        await self.client.close()

    async def on_ready(self) -> None:
        self.ready.set()
        self.core.platforms.set_ready(PLATFORM)
        if self.reads_replies:
            self._catching_up = asyncio.ensure_future(self.catch_up())

    async def catch_up(self) -> None:
        """Read back the open rounds' threads: Discord does not redeliver messages sent
        while the bot was offline, and an answer sent in a question's thread must count.
        Answers already stored are recognised by their message id; an answer sent before
        the deadline is on time even though it is read after it."""
        me = self.client.user
        for channel, thread_id in await self.core.rounds.open_threads(PLATFORM):
            try:
                thread = await self._channel(thread_id)
                async for m in thread.history(limit=CATCH_UP_MESSAGES, oldest_first=True):
                    if m.author.bot or (me is not None and m.author.id == me.id):
                        continue
                    actor = self.actor_of(m.author, m.guild)
                    await self.core.rounds.record_answer(IncomingMessage(
                        actor, channel, m.content, str(m.id), thread_id=thread_id,
                        event_id=f"msg:{m.id}", sent_at=m.created_at))
                    if m.edited_at is not None:
                        await self.core.rounds.record_answer(IncomingMessage(
                            actor, channel, m.content, str(m.id), thread_id=thread_id,
                            edited=True, sent_at=m.edited_at,
                            event_id=f"edit:{m.id}:{m.edited_at.isoformat()}"))
            except (discord.HTTPException, OSError) as exc:
                log.warning("could not read back a round's thread: %s", exc)
        log.info("Discord ready as %s in %d guild(s)", self.client.user,
                 len(self.client.guilds))

    async def sync_commands(self) -> None:
        """Sync app commands only when their definitions changed since the last sync."""
        tree = self.client.tree
        guild = discord.Object(id=self.guild_id) if self.guild_id else None
        if guild is not None:
            tree.copy_global_to(guild=guild)
        digest = definitions_hash(tree)
        key = f"discord.commands.{self.guild_id or 'global'}"
        known = await self.core.notes.get(key)
        if known == digest:
            log.info("Discord commands unchanged; not syncing")
            return
        await tree.sync(guild=guild)
        await self.core.notes.set(key, digest)

    # -- people ----------------------------------------------------------------------------

    def actor_of(self, user: discord.User | discord.Member,
                 guild: discord.Guild | None) -> Actor:
        admin = isinstance(user, discord.Member) and user.guild_permissions.manage_guild
        return Actor(PLATFORM, str(guild.id if guild else 0), str(user.id),
                     user.display_name[:80], is_admin=bool(admin))

    async def group_members(self, workspace: str, group_id: str) -> list[Actor]:
        """Members of a role (needs the members intent for a complete cache)."""
        guild = self.client.get_guild(int(workspace))
        role = guild.get_role(int(re.sub(r"\D", "", group_id) or 0)) if guild else None
        if guild is None or role is None:
            return []
        return [self.actor_of(m, guild) for m in role.members if not m.bot]

    async def _resolve(self, guild: discord.Guild | None, token: str) -> Actor | None:
        m = re.fullmatch(r"<@!?([0-9]+)>", token.strip())
        if not m or guild is None:
            return None
        member = guild.get_member(int(m.group(1)))
        if member is None:
            try:
                member = await guild.fetch_member(int(m.group(1)))
            except discord.HTTPException:
                return Actor(PLATFORM, str(guild.id), m.group(1), m.group(1))
        return self.actor_of(member, guild)

    # -- ChatPlatform ----------------------------------------------------------------------

    async def _channel(self, channel_id: str) -> Any:
        ch = self.client.get_channel(int(channel_id))
        return ch if ch is not None else await self.client.fetch_channel(int(channel_id))

    async def send(self, channel: ChannelRef, message: Message, *,
                   thread_id: str | None = None) -> Sent:
        try:
            target = await self._channel(thread_id or channel.channel)
            mentions = " ".join(f"<@{u}>" for u in message.mentions) or None
            allowed = discord.AllowedMentions(users=[discord.Object(int(u))
                                                     for u in message.mentions],
                                              everyone=False, roles=False)
            view = rate_view(message)   # a reveal's taps; each finds the tapper's own review
            answer = [b for b in message.buttons if b.action.startswith("answer:")]
            if answer:
                view = discord.ui.View(timeout=None)
                view.add_item(AnswerButton(int(answer[0].action.split(":", 1)[1])))
            first: discord.Message | None = None
            for i, group in enumerate(batches(to_embeds(message))):
                kwargs: dict[str, Any] = {"embeds": group, "allowed_mentions": allowed}
                if i == 0:
                    kwargs["content"] = mentions
                    if view is not None:
                        kwargs["view"] = view
                    if message.key:
                        kwargs["nonce"] = _nonce(message.key)
                sent = await target.send(**kwargs)
                first = first or sent
            assert first is not None
            return Sent(str(first.id), thread_id or str(first.id))
        except discord.HTTPException as exc:
            raise _platform_error("send", exc) from None
        except (TimeoutError, discord.DiscordException, OSError) as exc:
            raise PlatformError(f"Discord: {type(exc).__name__}") from None

    async def start_thread(self, channel: ChannelRef, sent: Sent, name: str) -> str:
        """Open the public thread for answers on a recorded post. A thread started from a
        message shares the message's id, so a thread an earlier attempt opened is found."""
        try:
            target = await self._channel(channel.channel)
            thread = await target.get_partial_message(int(sent.message_id)).create_thread(
                name=name[:100] or "Answers", auto_archive_duration=1440)
            return str(thread.id)
        except discord.HTTPException as exc:
            if exc.code == THREAD_ALREADY_EXISTS:
                return sent.message_id
            raise _platform_error("create thread", exc) from None
        except (TimeoutError, discord.DiscordException, OSError) as exc:
            raise PlatformError(f"Discord: {type(exc).__name__}") from None

    async def find_sent(self, channel: ChannelRef, key: str,
                        thread_id: str | None = None) -> Sent | None:
        """The bot's post carrying ``key`` in its footer among the channel's (or thread's)
        recent messages: what an attempt interrupted before our commit posted."""
        me = self.client.user
        try:
            target = await self._channel(thread_id or channel.channel)
            async for m in target.history(limit=HISTORY_LOOKBACK):
                if me is not None and m.author.id == me.id and any(
                        e.footer.text and e.footer.text.endswith(key) for e in m.embeds):
                    return Sent(str(m.id), thread_id or str(m.id))
        except discord.HTTPException as exc:
            raise _platform_error("history", exc) from None
        return None

    async def acknowledge(self, message: IncomingMessage, outcome: AnswerOutcome) -> None:
        if message.private:
            return  # the modal's own response is the acknowledgement
        where = self.client.get_partial_messageable(int(message.thread_id or
                                                        message.channel.channel))
        try:
            await where.get_partial_message(int(message.message_id)).add_reaction(
                ACK_EMOJI.get(outcome, "✅"))
        except discord.HTTPException as exc:
            raise PlatformError(f"add_reaction: {exc.status}") from None

    async def tell(self, workspace: str, user_id: str, message: Message) -> None:
        try:
            user = self.client.get_user(int(user_id)) or await self.client.fetch_user(
                int(user_id))
            message, file = as_file(message, DM_UPLOAD_LIMIT)   # a digest's picture
            embeds = to_embeds(message)[:EMBEDS_PER_MESSAGE]
            kwargs: dict[str, Any] = {"embeds": embeds}
            if file is not None:
                kwargs["file"] = file
                if file.filename.endswith(".png"):
                    embeds[-1].set_image(url=f"attachment://{file.filename}")
            if (view := rate_view(message)) is not None:
                kwargs["view"] = view
            await user.send(**kwargs)
        except discord.HTTPException as exc:
            raise PlatformError(f"DM: {exc.status}", retryable=False) from None

    async def ask_privately(self, message: IncomingMessage, note: Message) -> None:
        """A follow-up after an answer: Discord has no private reply to a thread message,
        so it goes by direct message, with its button."""
        await self.tell(message.actor.workspace, message.actor.user_id, note)

    async def archive(self, channel: ChannelRef, thread_id: str) -> None:
        """Archive a round's thread; one Discord already auto-archived counts as done."""
        try:
            thread = await self._channel(thread_id)
            if isinstance(thread, discord.Thread) and not thread.archived:
                await thread.edit(archived=True)
        except discord.NotFound:
            return  # the thread is gone: nothing left to archive
        except discord.HTTPException as exc:
            if exc.code == THREAD_ARCHIVED:
                return
            raise PlatformError(f"archive: {exc.status}") from None

    # -- events ----------------------------------------------------------------------------

    async def _parent(self, guild_id: int | None, channel: Any) -> ChannelRef | None:
        if guild_id is None:
            return None
        if isinstance(channel, discord.Thread) and channel.parent_id:
            return ChannelRef(PLATFORM, str(guild_id), str(channel.parent_id))
        return await self.core.rounds.channel_of_thread(PLATFORM, str(guild_id),
                                                        str(channel.id))

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None:
            return
        if not isinstance(message.channel, discord.Thread | discord.PartialMessageable):
            return  # only replies in a question's thread are answers
        parent = await self._parent(message.guild.id, message.channel)
        if parent is None:
            return
        msg = IncomingMessage(self.actor_of(message.author, message.guild), parent,
                              message.content, str(message.id),
                              thread_id=str(message.channel.id), event_id=f"msg:{message.id}")
        result = await self.core.rounds.record_answer(msg)
        if result.reply is not None:
            await self._tell(message.author, result.reply)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        data = payload.data
        author = data.get("author") or {}
        # Unfurls, pins and thread starts also send MESSAGE_UPDATE, with no edit time.
        if author.get("bot") or payload.guild_id is None or "content" not in data \
                or not data.get("edited_timestamp"):
            return
        guild = self.client.get_guild(payload.guild_id)
        channel = self.client.get_channel(payload.channel_id) or \
            self.client.get_partial_messageable(payload.channel_id)
        parent = await self._parent(payload.guild_id, channel)
        if parent is None:
            return
        member = guild.get_member(int(author["id"])) if guild else None
        actor = self.actor_of(member, guild) if member else Actor(
            PLATFORM, str(payload.guild_id), str(author["id"]),
            str(author.get("global_name") or author.get("username") or author["id"]))
        msg = IncomingMessage(actor, parent, str(data["content"]), str(payload.message_id),
                              thread_id=str(payload.channel_id), edited=True,
                              event_id=f"edit:{payload.message_id}:"
                                       f"{data['edited_timestamp']}")
        await self.core.rounds.record_answer(msg)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A deleted answer is withdrawn while its round is open."""
        if payload.guild_id is not None:
            await self.core.rounds.withdraw_answer(PLATFORM, str(payload.guild_id),
                                                   str(payload.message_id))

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        me = self.client.user
        if payload.guild_id is None or (me and payload.user_id == me.id) or \
                str(payload.emoji) not in VOTE_EMOJI:
            return
        channel = self.client.get_channel(payload.channel_id) or \
            self.client.get_partial_messageable(payload.channel_id)
        parent = await self._parent(payload.guild_id, channel)
        if parent is None:
            return
        guild = self.client.get_guild(payload.guild_id)
        voter = self.actor_of(payload.member, guild) if payload.member else Actor(
            PLATFORM, str(payload.guild_id), str(payload.user_id), str(payload.user_id))
        result = await self.core.rounds.vote_for_message(voter, parent,
                                                         str(payload.message_id))
        if result is not None and payload.member is not None:
            await self._tell(payload.member, result)

    async def _tell(self, user: discord.User | discord.Member, message: Message) -> None:
        """A private note by DM (Discord has no ephemeral replies to plain messages)."""
        try:
            await user.send(embeds=to_embeds(message)[:EMBEDS_PER_MESSAGE])
        except discord.HTTPException as exc:
            log.info("could not DM a user: %s", exc.status)

    # -- interactions ----------------------------------------------------------------------

    def context(self, interaction: discord.Interaction[Any]) -> CommandContext:
        guild = interaction.guild
        channel = interaction.channel
        channel_id = channel.parent_id if isinstance(channel, discord.Thread) and \
            channel.parent_id else interaction.channel_id
        name = getattr(channel, "name", "") or ""
        return CommandContext(self.actor_of(interaction.user, guild),
                              ChannelRef(PLATFORM, str(guild.id if guild else 0),
                                         str(channel_id)), name,
                              lambda token: self._resolve(guild, token))

    async def followup(self, interaction: discord.Interaction[Any], message: Message,
                       view: discord.ui.View | None = None) -> None:
        message, file = as_file(message, interaction.filesize_limit)
        groups = batches(to_embeds(message))
        if file is not None and file.filename.endswith(".png"):  # shown in the embed
            groups[-1][-1].set_image(url=f"attachment://{file.filename}")
        for i, group in enumerate(groups):
            kwargs: dict[str, Any] = {"embeds": group, "ephemeral": True}
            if i == len(groups) - 1:
                if view is not None:
                    kwargs["view"] = view
                if file is not None:
                    kwargs["file"] = file
            await interaction.followup.send(**kwargs)

    async def run_command(self, interaction: discord.Interaction[Any], name: str,
                          args: str = "") -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result: CommandResult = await self.core.commands.run(self.context(interaction), name,
                                                             args)
        await self.followup(interaction, result.message, rate_view(result.message))

    async def run_routed(self, interaction: discord.Interaction[Any], slash: str, text: str,
                         group: str) -> None:
        """A command whose first word picks the action (/team add, /schedule set)."""
        routed = route(PLATFORM, slash, text)
        if routed is None:
            await interaction.response.send_message(help_text(PLATFORM, group),
                                                     ephemeral=True)
            return
        await self.run_command(interaction, *routed)

    async def quiz(self, interaction: discord.Interaction[Any], topic: str,
                   level: str | None) -> None:
        routed = route(PLATFORM, "/quiz", topic)
        if routed is not None and (routed[0] == "followup" or
                                   routed[1].split(" ", 1)[0].lower() == "interview"):
            await self.run_command(interaction, *routed)   # /quiz followup, /quiz interview
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        ctx = self.context(interaction)
        started = await self.core.practice.start(ctx.actor, topic, level)
        if isinstance(started, PracticeQuestion):
            view = discord.ui.View(timeout=None)
            view.add_item(PracticeButton(started.attempt_id))
            await self.followup(interaction, started.message, view)
        else:
            await self.followup(interaction, started)

    async def blind_answer(self, interaction: discord.Interaction[Any], round_id: int,
                           text: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        ctx = self.context(interaction)
        msg = IncomingMessage(ctx.actor, ctx.channel, text, f"modal:{interaction.id}",
                              event_id=f"interaction:{interaction.id}", round_id=round_id)
        result = await self.core.rounds.record_answer(msg)
        if result.reply is not None:
            note = result.reply
        elif result.outcome is AnswerOutcome.NO_ROUND:
            note = reply("That round is not open", "Nothing was recorded.")
        else:
            note = reply("Answer received", "It stays private until the reveal; answer again "
                         "to replace it.")
        await self.followup(interaction, note)

    async def topic_choices(self, current: str) -> list[app_commands.Choice[str]]:
        wanted = current.lower().strip()
        topics = sorted(self.core.bank.topics.values(), key=lambda t: t.id)
        hits = [t for t in topics if wanted in t.id or wanted in t.title.lower()]
        return [app_commands.Choice(name=f"{t.title} ({t.level.value})", value=t.id)
                for t in hits[:25]]


def build_commands(adapter: DiscordAdapter) -> None:
    """Define the slash commands on the adapter's tree (names and options are the UI)."""
    tree = adapter.client.tree
    levels = [app_commands.Choice(name=lv.value, value=lv.value) for lv in Level]
    periods = [app_commands.Choice(name=p.value, value=p.value) for p in Period]

    @tree.command(name="quiz", description="A practice question just for you, graded at once")
    @app_commands.describe(topic="a topic (leave empty for one of your weakest)",
                           level="only questions of this level")
    @app_commands.choices(level=levels)
    async def quiz(interaction: discord.Interaction[Any], topic: str = "",
                   level: app_commands.Choice[str] | None = None) -> None:
        await adapter.quiz(interaction, topic, level.value if level else None)

    @quiz.autocomplete("topic")
    async def quiz_topic(interaction: discord.Interaction[Any],
                         current: str) -> list[app_commands.Choice[str]]:
        return await adapter.topic_choices(current)

    @tree.command(name="leaderboard", description="Standings, with your own rank")
    @app_commands.describe(period="week, month or all time", team="a team's board",
                           scope="channel (default), workspace or practice")
    @app_commands.choices(period=periods, scope=[
        app_commands.Choice(name=s, value=s) for s in ("channel", "workspace", "practice")])
    async def leaderboard(interaction: discord.Interaction[Any],
                          period: app_commands.Choice[str] | None = None, team: str = "",
                          scope: app_commands.Choice[str] | None = None) -> None:
        words = [period.value if period else "week"]
        words += [f"team {team}"] if team else [scope.value] if scope else []
        await adapter.run_command(interaction, "leaderboard", " ".join(words))

    @tree.command(name="stats", description="Your streak, points and coverage by topic")
    async def stats(interaction: discord.Interaction[Any]) -> None:
        await adapter.run_command(interaction, "stats")

    @tree.command(name="team", description="Teams and their reports (leads change them)")
    @app_commands.describe(command="e.g. list | show NAME | create NAME | add NAME @person "
                                   "| report NAME month | follow NAME @role")
    async def team(interaction: discord.Interaction[Any], command: str = "help") -> None:
        text = re.sub(r"<@&([0-9]+)>", r"\1", command)  # a role mention -> its id
        await adapter.run_routed(interaction, "/team", text, "team")

    @tree.command(name="schedule",
                  description="This channel's daily question: time, filters, blind mode (leads)")
    @app_commands.describe(command="set 09:00 Europe/Paris 8h mon-fri | stop | show | post | "
                                   "topics a,b | levels ... | blind on | award/correct")
    async def schedule(interaction: discord.Interaction[Any], command: str = "show") -> None:
        await adapter.run_routed(interaction, "/schedule", command, "channel")

    @tree.command(name="results", description="Everyone's result for a revealed round")
    @app_commands.describe(day="YYYY-MM-DD (leave empty for the latest)")
    async def results(interaction: discord.Interaction[Any], day: str = "") -> None:
        await adapter.run_command(interaction, "results", day)

    @tree.command(name="vote", description="+1 for an answer you learned from (3 per round)")
    @app_commands.describe(person="whose answer: @mention or name")
    async def vote(interaction: discord.Interaction[Any], person: str) -> None:
        await adapter.run_command(interaction, "vote", person)

    @tree.command(name="topics", description="The topics of the question bank")
    async def topics(interaction: discord.Interaction[Any]) -> None:
        await adapter.run_command(interaction, "topics")

    @tree.command(name="help", description="What quizbot can do, and who may do it")
    async def help(interaction: discord.Interaction[Any]) -> None:
        await adapter.run_command(interaction, "help")

    discord_appeals.build_commands(adapter)
