"""The shard settings: a count, and the ids one replica holds, each below it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_shard_ids_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch, QUIZBOT_DISCORD_SHARDS="4", QUIZBOT_DISCORD_SHARD_IDS="2, 3")
    assert (s.discord_shards, s.discord_shard_ids) == (4, [2, 3])
    assert settings(monkeypatch, QUIZBOT_DISCORD_SHARD_IDS="").discord_shard_ids is None


@pytest.mark.parametrize(("count", "ids", "says"), [
    (None, "0", "needs QUIZBOT_DISCORD_SHARDS"),
    ("2", "2", "from 0 to 1"),
    ("2", "-1", "from 0 to 1"),
    ("2", "1,1", "each shard once"),
    ("2", "one", "integer"),
])
def test_shard_ids_that_discord_would_refuse_stop_at_start_up(
        monkeypatch: pytest.MonkeyPatch, count: str | None, ids: str, says: str) -> None:
    env = {"QUIZBOT_DISCORD_SHARD_IDS": ids} | ({"QUIZBOT_DISCORD_SHARDS": count}
                                               if count else {})
    with pytest.raises(ValidationError, match=says):
        settings(monkeypatch, **env)


def test_zero_shards_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError):
        settings(monkeypatch, QUIZBOT_DISCORD_SHARDS="0")
