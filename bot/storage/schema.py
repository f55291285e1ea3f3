"""The numbered migration series, one file per number and dialect.

SQLite's migrations are ``migrations/NNNN_name.sql``; PostgreSQL's are
``migrations/postgresql/NNNN_name.sql``, the same numbers with the SQL that engine needs.
Both dialects reach the same schema version through the same steps, so a database of either
kind says by its version which tables and columns it has (tests/unit/test_migrations.py
fails when a number exists for one dialect only)."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable

DIALECTS = ("sqlite", "postgresql")


def _folder(dialect: str) -> Traversable:
    root = resources.files("bot.storage").joinpath("migrations")
    if dialect == "sqlite":
        return root
    if dialect == "postgresql":
        return root.joinpath("postgresql")
    raise ValueError(f"no migrations for the dialect {dialect!r}")


def migrations(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """(version, name, sql) of every bundled migration of the dialect, in order."""
    found = []
    for entry in _folder(dialect).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def latest_version(dialect: str = "sqlite") -> int:
    return migrations(dialect)[-1][0]
