"""Fixtures for the whole suite, and a guard that fails any non-loopback network use."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import Core, build
from bot.bank import QuestionBank, load_bank
from bot.clock import FixedClock
from bot.config import Settings
from tests.fakes.memory import MemoryPlatform

SAMPLE_BANK = Path(__file__).parent / "data" / "bank"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}


def _is_loopback(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host)
    if host in LOOPBACK_NAMES or host == "":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test: DNS lookups and connections to anything but loopback fail loudly."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            raise AssertionError(f"test tried to resolve a non-loopback host: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def _check(address: Any) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            raise AssertionError(f"test tried to connect to a non-loopback address: {address!r}")

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        _check(address)
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        _check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    yield


@pytest.fixture(scope="session")
def sample_bank() -> QuestionBank:
    return load_bank(SAMPLE_BANK)


@pytest.fixture
def clock() -> FixedClock:
    # A Sunday, 08:00 UTC.
    return FixedClock(datetime(2026, 11, 22, 8, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db=tmp_path / "quizbot.db", questions_dir=SAMPLE_BANK, timezone="UTC",
                    post_time="09:00", window="8h", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def memory() -> MemoryPlatform:
    return MemoryPlatform()


@pytest.fixture
async def core(settings: Settings, clock: FixedClock, sample_bank: QuestionBank,
               memory: MemoryPlatform) -> AsyncIterator[Core]:
    c = await build(settings, clock=clock, bank=sample_bank)
    c.platforms.register(memory)
    yield c
    await c.close()
