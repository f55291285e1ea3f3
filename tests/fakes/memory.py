"""An in-memory ChatPlatform: records what the core sends and can be told to fail."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.adapters.base import Actor, IncomingMessage, Message, MessageKind, PlatformError, Sent
from bot.domain.rounds import AnswerOutcome
from bot.domain.subscriptions import ChannelRef

CHANNEL = ChannelRef("memory", "T1", "C1")


@dataclass
class Post:
    channel: ChannelRef
    message: Message
    thread_id: str | None
    sent: Sent


@dataclass
class MemoryPlatform:
    name: str = "memory"
    posts: list[Post] = field(default_factory=list)
    acks: list[tuple[str, AnswerOutcome]] = field(default_factory=list)
    fail_next_sends: int = 0
    fail_permanently: bool = False  # injected failures are not retryable (not in channel)
    told: list[tuple[str, Message]] = field(default_factory=list)
    fail_next_tells: int = 0     # direct messages fail (retryable unless fail_permanently)
    deliver_then_fail: int = 0   # the post goes out, then the reply is lost (a timeout)
    fail_next_threads: int = 0
    threads: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, channel: ChannelRef, message: Message, *,
                   thread_id: str | None = None) -> Sent:
        if self.fail_next_sends > 0:
            self.fail_next_sends -= 1
            raise PlatformError("injected failure", retryable=not self.fail_permanently)
        mid = f"m{next(self._ids)}"
        sent = Sent(mid, thread_id or mid)
        self.posts.append(Post(channel, message, thread_id, sent))
        if self.deliver_then_fail > 0:
            self.deliver_then_fail -= 1
            raise PlatformError("timed out after the platform accepted the post")
        return sent

    async def start_thread(self, channel: ChannelRef, sent: Sent, name: str) -> str:
        if self.fail_next_threads > 0:
            self.fail_next_threads -= 1
            raise PlatformError("injected thread failure", retryable=not self.fail_permanently)
        self.threads.append(sent.message_id)
        return sent.message_id   # like Discord: a thread shares its message's id

    async def tell(self, workspace: str, user_id: str, message: Message) -> None:
        if self.fail_next_tells > 0:
            self.fail_next_tells -= 1
            raise PlatformError("injected DM failure", retryable=not self.fail_permanently)
        self.told.append((user_id, message))

    async def find_sent(self, channel: ChannelRef, key: str,
                        thread_id: str | None = None) -> Sent | None:
        return next((p.sent for p in self.posts if p.message.key == key and
                     p.channel == channel), None)

    async def acknowledge(self, message: IncomingMessage, outcome: AnswerOutcome) -> None:
        self.acks.append((message.message_id, outcome))

    def of_kind(self, kind: MessageKind) -> list[Post]:
        return [p for p in self.posts if p.message.kind is kind]

    @property
    def questions(self) -> list[Post]:
        return self.of_kind(MessageKind.QUESTION)

    @property
    def reveals(self) -> list[Post]:
        return self.of_kind(MessageKind.REVEAL)


def person(user: str = "U1", name: str = "alice", admin: bool = False) -> Actor:
    return Actor("memory", "T1", user, name, is_admin=admin)


LEAD = person("U0", "lead", admin=True)


def answer(thread_id: str, text: str, *, user: str = "U1", name: str = "alice",
           message_id: str | None = None, event_id: str | None = None) -> IncomingMessage:
    mid = message_id or f"a-{user}-{abs(hash(text)) % 10**8}"
    return IncomingMessage(person(user, name), CHANNEL, text, mid, thread_id=thread_id,
                           event_id=event_id)
