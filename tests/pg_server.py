"""A throwaway PostgreSQL server for the tests: initdb into a temporary folder, listening
only on a Unix socket there, with durability off (fsync) because it is thrown away.

PostgreSQL refuses to run as root; as root (CI) the server runs as the ``postgres`` user
(Debian's package creates it) or ``nobody``. The binaries are found in QUIZBOT_PG_BIN, else
the newest /usr/lib/postgresql/*/bin (Debian's ``postgresql`` package), else on PATH.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

MISSING = ("PostgreSQL's server is not installed (apt-get install postgresql, or set "
           "QUIZBOT_PG_BIN to its bin folder)")
ENABLE = f"PostgreSQL tests skipped: {MISSING}"


def required() -> bool:
    """In CI, or when asked, a PostgreSQL test that cannot run is a failure, not a skip."""
    return bool(os.environ.get("CI") or os.environ.get("QUIZBOT_REQUIRE_POSTGRES"))


def find_bin() -> Path | None:
    given = os.environ.get("QUIZBOT_PG_BIN")
    if given:   # that folder only (an empty one runs the suite as if none were installed)
        found = Path(given)
        return found if (found / "initdb").exists() and (found / "postgres").exists() else None
    candidates: list[Path] = []
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                    key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    candidates += reversed(debian)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    return next((c for c in candidates if (c / "initdb").exists() and (c / "postgres").exists()),
                None)


def _run_as() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root, and no 'postgres' or 'nobody' user to run PostgreSQL")


class PgServer:
    def __init__(self, bin_dir: Path, *, durable: bool = False) -> None:
        self.bin, self.durable = bin_dir, durable
        self.root = Path(tempfile.mkdtemp(prefix="qbpg-"))
        self.socket_dir = self.root
        self.proc: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)
        self._as = _run_as()

    def _kw(self) -> dict[str, int]:
        return {"user": self._as[0], "group": self._as[1]} if self._as else {}

    def start(self) -> PgServer:
        if self._as:
            os.chown(self.root, *self._as)
        data = self.root / "data"
        subprocess.run([str(self.bin / "initdb"), "-D", str(data), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                       check=True, capture_output=True, **self._kw())  # type: ignore[call-overload]
        log = open(self.root / "server.log", "wb")  # noqa: SIM115 (the server keeps it)
        self.proc = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(data), "-k", str(self.socket_dir),
             "-c", "listen_addresses=", "-c", "max_connections=200",
             *([] if self.durable else ["-c", "fsync=off", "-c", "synchronous_commit=off",
                                        "-c", "full_page_writes=off"])],
            stdout=log, stderr=subprocess.STDOUT, **self._kw())
        deadline = time.monotonic() + 60
        while not (self.socket_dir / ".s.PGSQL.5432").exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not start: "
                                   + (self.root / "server.log").read_text(errors="replace"))
            time.sleep(0.05)   # waiting for a process to come up, not for a deadline
        while self.psql("SELECT 1", check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL does not answer")
            time.sleep(0.05)
        return self

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@/{dbname}?host={self.socket_dir}"

    def psql(self, sql: str, *, check: bool = True, dbname: str = "postgres",
             tuples: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h",
             str(self.socket_dir), "-U", "postgres", "-d", dbname, *(["-tA"] if tuples else []),
             "-c", sql], check=check, capture_output=True, text=True)

    def create(self, template: str = "template0") -> str:
        """A new empty database (or a copy of ``template``); returns its name."""
        name = f"qb_{os.getpid()}_{next(self._names)}"
        self.psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def migrated(self) -> str:
        """A new database at the latest schema version; returns its name."""
        import asyncio
        import threading

        from bot.storage.db import Database

        name = self.create()

        async def migrate() -> None:
            await (await Database.open(self.url(name))).close()

        # In a thread of its own: the test's event loop may be current in this one.
        worker = threading.Thread(target=asyncio.run, args=(migrate(),))
        worker.start()
        worker.join()
        self._tables: list[str] = self.psql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <>"
            " 'schema_version'", dbname=name, tuples=True).stdout.split()
        return name

    def empty(self, url: str) -> None:
        """Every table of the shared database emptied, its ids starting at 1 again."""
        name = url.split("/")[3].split("?")[0]
        self.psql(f"TRUNCATE {', '.join(self._tables)} RESTART IDENTITY CASCADE", dbname=name)

    def drop(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', check=False)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()   # SIGTERM: smart shutdown
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)
