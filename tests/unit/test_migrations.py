"""The migration series is one: every number has a SQLite and a PostgreSQL file of the same
name. A migration added for one engine only fails here, so it is noticed at merge."""

from __future__ import annotations

from bot.storage.copy import creation_order
from bot.storage.schema import DIALECTS, latest_version, migrations


def test_every_migration_number_exists_for_both_dialects() -> None:
    names = {d: {v: name for v, name, _ in migrations(d)} for d in DIALECTS}
    sqlite, postgres = names["sqlite"], names["postgresql"]
    only_sqlite = sorted(set(sqlite) - set(postgres))
    only_postgres = sorted(set(postgres) - set(sqlite))
    assert not only_sqlite, (
        f"migrations {only_sqlite} have no PostgreSQL variant: add "
        f"bot/storage/migrations/postgresql/{sqlite[only_sqlite[0]]}")
    assert not only_postgres, f"migrations {only_postgres} exist for PostgreSQL only"
    assert sqlite == postgres, "a number's two files should have the same name"
    assert latest_version("sqlite") == latest_version("postgresql")


def test_numbers_run_from_one_without_gaps() -> None:
    for dialect in DIALECTS:
        versions = [v for v, _, _ in migrations(dialect)]
        assert versions == list(range(1, len(versions) + 1)), dialect


def test_both_dialects_create_the_same_tables_in_the_same_order() -> None:
    # db copy walks the tables in this order, so a row's foreign keys exist before it.
    order = creation_order()
    assert order[:3] == ["people", "subscriptions", "rounds"]
    pg_order: list[str] = []
    for _, _, sql in migrations("postgresql"):
        pg_order += [t for t in order if f"CREATE TABLE {t} (" in sql and t not in pg_order]
    assert pg_order == order
