"""The ChatPlatform port: the neutral shapes the core and every adapter speak.

The core never sees a platform SDK type. It sends ``Message``s (always complete as plain
Markdown text, with optional structure rich adapters may render as Block Kit or embeds)
and receives ``IncomingMessage``s. Adapters translate; they hold no game rules.
"""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol

from bot.domain.rounds import AnswerOutcome
from bot.domain.subscriptions import ChannelRef


class MessageKind(StrEnum):
    QUESTION = "question"
    REVEAL = "reveal"
    REPLY = "reply"
    NOTICE = "notice"


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    body: str


@dataclass(frozen=True, slots=True)
class Button:
    action: str   # e.g. "answer:12" - the adapter echoes it back on click
    label: str


@dataclass(frozen=True, slots=True)
class Message:
    """Something to show people. ``text()`` is the full plain rendering."""

    title: str
    sections: tuple[Section, ...] = ()
    footer: str = ""
    kind: MessageKind = MessageKind.REPLY
    buttons: tuple[Button, ...] = ()
    #: platform user ids to notify; adapters render real mentions or skip them
    mentions: tuple[str, ...] = ()
    #: (file name, content) for exports and pictures: text (a CSV) or bytes (a PNG);
    #: adapters upload it as a file (the console writes it to disk)
    attachment: tuple[str, str | bytes] | None = None
    #: a stable identity ("round:12:question") adapters attach where the platform allows,
    #: so a retried post can find the one that already went out (see find_sent)
    key: str = ""
    #: a refusal (not allowed, over a limit): it changed nothing, so a replayed request
    #: may run again
    refused: bool = False

    def text(self) -> str:
        parts = [f"**{self.title}**"] if self.title else []
        for s in self.sections:
            parts.append(f"*{s.heading}*\n{s.body}" if s.heading else s.body)
        if self.footer:
            parts.append(f"_{self.footer}_")
        return "\n\n".join(parts)


def attachment_data(message: Message) -> tuple[str, bytes, str] | None:
    """The message's file as (name, bytes, MIME type); text is encoded as UTF-8."""
    if message.attachment is None:
        return None
    name, content = message.attachment
    data = content.encode("utf-8") if isinstance(content, str) else content
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return name, data, mime


def split_text(text: str, size: int) -> list[str]:
    """Cut text into pieces of at most ``size`` characters, at line ends where possible
    (platforms cap the length of one block or field)."""
    out, current = [], ""
    for line in text.split("\n"):
        while len(line) > size:
            out.append(line[:size])
            line = line[size:]
        if current and len(current) + len(line) + 1 > size:
            out.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        out.append(current)
    return out


def reply(title: str, body: str = "", footer: str = "") -> Message:
    """A short answer to a command."""
    return Message(title, (Section("", body),) if body else (), footer)


def refusal(title: str, body: str) -> Message:
    """A polite no: what was refused and why; the request changed nothing."""
    return Message(title, (Section("", body),), refused=True)


@dataclass(frozen=True, slots=True)
class Sent:
    """Where a posted message landed. ``thread_id`` is where replies to it go."""

    message_id: str
    thread_id: str


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind an event, as the adapter knows them."""

    platform: str
    workspace: str
    user_id: str
    display_name: str
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A message a person posted (or edited) that may be an answer."""

    actor: Actor
    channel: ChannelRef
    text: str
    message_id: str
    thread_id: str | None = None
    event_id: str | None = None
    edited: bool = False
    #: given through a private form (blind mode): the round is named, not the thread
    round_id: int | None = None
    #: when the platform says it was sent, for messages read back after an outage (a
    #: reply sent before the deadline is on time even if read after it)
    sent_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)
    #: when this process received it (time.monotonic() as the adapter built it): the
    #: health endpoint measures the time to its acknowledgement from here
    received_at: float = field(default_factory=time.monotonic, compare=False, repr=False)

    @property
    def private(self) -> bool:
        return self.round_id is not None


class PlatformError(RuntimeError):
    """A platform call failed; ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class ChatPlatform(Protocol):
    """What the core needs from a chat platform."""

    name: str

    async def send(self, channel: ChannelRef, message: Message, *,
                   thread_id: str | None = None) -> Sent:
        """Post ``message`` (in ``thread_id`` when given)."""
        ...

    async def acknowledge(self, message: IncomingMessage, outcome: AnswerOutcome) -> None:
        """Tell the author their answer is stored; called only after the commit. A private
        answer (``message.private``) has no public message to react to."""
        ...


class FindsSent(Protocol):
    """Optional: platforms that can look up a post by its Message.key. Before retrying a post
    that may already have gone out (the process died between the platform's reply and our
    commit), the core asks, and adopts the post it finds instead of posting twice."""

    async def find_sent(self, channel: ChannelRef, key: str,
                        thread_id: str | None = None) -> Sent | None: ...


class StartsThreads(Protocol):
    """Optional: platforms where a thread is opened on a post by a separate call (Discord).
    The core records the post first and opens the thread as its own, retryable step, so a
    failure to open the thread never posts the question again. Platforms without this
    method reply to a post in its own thread (``Sent.thread_id``)."""

    async def start_thread(self, channel: ChannelRef, sent: Sent, name: str) -> str: ...


@dataclass(frozen=True, slots=True)
class PostPace:
    """How fast a platform takes a burst of daily posts (every channel due at one minute):
    at most ``per_second`` requests for the whole bot (``per="bot"``: Discord's global
    limit per token) or for each workspace (``per="workspace"``: Slack's limits are per
    app per workspace), ``requests`` of them per post. The core spaces the posts to it
    rather than meeting the platform's 429s (which would be retried, but each costs a round
    trip and, on Discord, counts towards a temporary ban)."""

    per_second: float
    per: Literal["bot", "workspace"] = "bot"
    requests: int = 1


class PacesPosts(Protocol):
    """Optional: a platform that declares its ``PostPace``. Without one, posts are bounded
    only by QUIZBOT_POST_CONCURRENCY and one at a time per channel."""

    post_pace: PostPace


class TellsPeople(Protocol):
    """Optional: platforms that can message one person directly (a DM)."""

    async def tell(self, workspace: str, user_id: str, message: Message) -> None: ...


class ReachesWorkspaces(Protocol):
    """Optional: a platform that knows whether it may speak in a workspace at all (a Slack
    app serving many workspaces is removed from one by its uninstall), so a direct message
    there is not tried, and failed, once a person and a day."""

    async def reaches(self, workspace: str) -> bool: ...


class ConfigError(RuntimeError):
    """Settings (or a platform's own configuration, such as an intent the developer portal
    does not grant) that cannot work; the message says what to change. An adapter raising
    it is not restarted."""


class Platforms:
    """The running adapters by platform name: the core sends through this.

    An adapter is registered when it is built but may not be usable yet (Discord before its
    gateway is ready): ``get`` returns only ready platforms, so sweeps and posts skip a
    platform until then, and ``on_ready`` callbacks run when it becomes ready."""

    def __init__(self) -> None:
        self._by_name: dict[str, ChatPlatform] = {}
        self._ready: set[str] = set()
        self._listeners: list[Callable[[str], None]] = []
        #: applied to each platform as it registers (the metrics endpoint counts its calls)
        self.wrap: Callable[[ChatPlatform], ChatPlatform] | None = None

    def register(self, platform: ChatPlatform, *, ready: bool = True) -> None:
        self._by_name[platform.name] = self.wrap(platform) if self.wrap else platform
        self.set_ready(platform.name, ready)

    def set_ready(self, name: str, ready: bool = True) -> None:
        was = name in self._ready
        if ready:
            self._ready.add(name)
        else:
            self._ready.discard(name)
        if ready and not was:
            for listener in self._listeners:
                listener(name)

    def on_ready(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def is_ready(self, name: str) -> bool:
        return name in self._ready

    def get(self, name: str) -> ChatPlatform | None:
        return self._by_name.get(name) if name in self._ready else None

    def names(self) -> list[str]:
        """Every registered platform, ready or not (their subscriptions are scheduled)."""
        return sorted(self._by_name)
