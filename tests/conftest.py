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
from tests import pg_server
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


#: suites whose tests run once per storage engine; the adapters' end-to-end tests and the
#: fuzzers talk to SQLite only (storage is behind the same services), except a module
#: marked ``both_backends`` (one whose flow is mostly storage). The crash harness picks its
#: engines itself: one process on SQLite (test_crash), two on PostgreSQL (test_replicas).
BOTH_BACKENDS = ("unit", "integration")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: a test of SQLite itself (files, PRAGMAs)")
    config.addinivalue_line("markers", "both_backends: outside tests/unit and "
                            "tests/integration, run on PostgreSQL as well as SQLite")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that asks for ``database_url`` (``settings`` and ``core`` do) runs on
    SQLite, and in tests/unit and tests/integration on PostgreSQL too."""
    if "backend" not in metafunc.fixturenames:
        return
    suite = Path(str(metafunc.definition.path)).relative_to(Path(__file__).parent).parts[0]
    marked = metafunc.definition.get_closest_marker
    dual = (suite in BOTH_BACKENDS or marked("both_backends") is not None) and \
        marked("sqlite_only") is None
    metafunc.parametrize("backend", ["sqlite", "postgresql"] if dual else ["sqlite"])


_pg_skipped = False


@pytest.fixture(scope="session")
def pg() -> Iterator[pg_server.PgServer]:
    """The session's throwaway PostgreSQL server, started at the first test that needs it."""
    global _pg_skipped
    found = pg_server.find_bin()
    if found is None:
        if pg_server.required():
            pytest.fail(f"PostgreSQL tests cannot run, and CI (or QUIZBOT_REQUIRE_POSTGRES) "
                        f"requires them: {pg_server.MISSING}")
        _pg_skipped = True
        pytest.skip(pg_server.ENABLE)
    server = pg_server.PgServer(found).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_shared(pg: pg_server.PgServer) -> str:
    """One migrated database the tests share, emptied before each (creating a database
    costs half a second; emptying one, milliseconds)."""
    return pg.url(pg.migrated())


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return str(tmp_path / "quizbot.db")
    url: str = request.getfixturevalue("pg_shared")
    request.getfixturevalue("pg").empty(url)
    return url


@pytest.fixture
def blank_database_url(backend: str, tmp_path: Path,
                       request: pytest.FixtureRequest) -> Iterator[str]:
    """A database no quizbot has opened yet (on PostgreSQL a new one, dropped after)."""
    if backend == "sqlite":
        yield str(tmp_path / "blank.db")
        return
    server: pg_server.PgServer = request.getfixturevalue("pg")
    name = server.create()
    yield server.url(name)
    server.drop(name)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _pg_skipped:
        terminalreporter.write_line(pg_server.ENABLE)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    url = None if database_url.endswith(".db") else database_url
    return Settings(db=tmp_path / "quizbot.db", database_url=url,  # type: ignore[call-arg]
                    questions_dir=SAMPLE_BANK, timezone="UTC", post_time="09:00",
                    window="8h", _env_file=None)


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
