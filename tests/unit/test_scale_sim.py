"""The scale run's simulated platforms refuse what the documented limits refuse, so a
sender that goes too fast shows as 429s instead of being queued."""

from __future__ import annotations

import pytest

from bench.scale import SimulatedDiscord, SimulatedSlack, Window, bounds
from bot.adapters.base import Message, MessageKind, PlatformError, Sent
from bot.domain.subscriptions import ChannelRef


class Ticks:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def question(n: int) -> Message:
    return Message("Q", kind=MessageKind.QUESTION, key=f"round:{n}:question")


def test_a_window_admits_count_requests_per_span_and_frees_them_as_they_age() -> None:
    w = Window(2, 1.0)
    assert w.room(0.0)
    w.times.append(0.0)
    w.times.append(0.5)
    assert not w.room(0.99)
    assert w.room(1.0)   # the first has aged out of (0, 1]


async def test_discord_refuses_the_51st_request_within_a_second() -> None:
    clock = Ticks()
    sim = SimulatedDiscord(0.0, "r", now=clock)
    for c in range(50):
        await sim.send(ChannelRef("discord", "G", f"{c}"), question(c))
    with pytest.raises(PlatformError) as refused:
        await sim.send(ChannelRef("discord", "G", "50"), question(50))
    assert refused.value.retryable
    clock.t += 1.0
    await sim.send(ChannelRef("discord", "G", "50"), question(50))
    assert sim.rejected == {"post": 1}
    assert sum(sim.posts.values()) == 51


async def test_discord_limits_one_channel_to_five_messages_in_five_seconds() -> None:
    clock = Ticks()
    sim = SimulatedDiscord(0.0, "r", now=clock)
    channel = ChannelRef("discord", "G", "1")
    for n in range(5):
        clock.t += 0.1
        await sim.send(channel, question(n))
    with pytest.raises(PlatformError):
        await sim.send(channel, question(5))
    # a thread is its own route: not refused by the messages' bucket
    assert await sim.start_thread(channel, Sent("m", "m"), "Answers") == "m"


async def test_slack_posts_per_channel_and_finds_what_it_posted() -> None:
    clock = Ticks()
    sim = SimulatedSlack(0.0, "r", now=clock)
    channel = ChannelRef("slack", "T1", "C1")
    sent = await sim.send(channel, question(1))
    assert await sim.find_sent(channel, "round:1:question") == sent
    await sim.send(channel, question(2))
    await sim.send(channel, question(3))
    with pytest.raises(PlatformError):   # a burst of three, then one a second
        await sim.send(channel, question(4))
    other = ChannelRef("slack", "T1", "C2")
    await sim.send(other, question(5))   # another channel is not held up
    assert sim.posts == {"C1": 3, "C2": 1}


def test_the_bounds_are_the_documented_limits_arithmetic() -> None:
    discord = bounds("discord", 10_000, 1_000, 0.05, 16)
    assert discord["rate_limit_bound_seconds"] == 400.0   # 2 requests a post, 50 a second
    slack = bounds("slack", 10_000, 1_000, 0.05, 16)
    assert slack["rate_limit_bound_seconds"] == 0.05      # one round trip: nothing binds
    assert slack["bound_seconds"] == 31.25                # 10,000 x 50 ms / 16 in flight
