"""Settings from the environment (or a .env file). Tokens are SecretStr: never printed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.bank import DEFAULT_DIR
from bot.clock import FileClock
from bot.domain.parsing import InputError, parse_duration, parse_time_of_day, parse_timezone

PlatformChoice = Literal["auto", "console", "discord", "slack", "all"]
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUIZBOT_", env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore")

    db: Path = Field(Path("data/quizbot.db"), description="SQLite database file")
    database_url: SecretStr | None = Field(
        None, description="postgresql://USER:PASSWORD@HOST/NAME selects PostgreSQL; "
        "sqlite:///PATH (or unset: the db setting) a SQLite file")
    platform: PlatformChoice = "auto"
    questions_dir: Path = DEFAULT_DIR
    timezone: str = Field("UTC", description="default time zone for new subscriptions")
    post_time: str = Field("09:00", description="default local post time, HH:MM")
    window: str = Field("8h", description="default answer window")
    seed: str = Field("quizbot", description="seed for question selection")
    log_level: str = "WARNING"
    db_busy_timeout_ms: int = Field(5000, ge=0, le=600_000,
                                    description="how long a write waits for a lock")
    sweep_seconds: float = Field(60.0, gt=0, le=3600,
                                 description="how often the sweeper catches up")
    post_concurrency: int = Field(
        64, ge=1, le=256, description="daily posts in flight at once (never two for one "
        "channel), each platform's rate limit pacing them too: a minute when thousands of "
        "channels are due posts them this many round trips at a time")
    leader_poll_seconds: float = Field(
        10.0, gt=0, le=3600, description="PostgreSQL with several replicas: how often a "
        "standby asks to lead, so it takes over this long after the leader dies; and how "
        "soon the leader follows a schedule set on another replica")
    log_format: Literal["text", "json"] = Field(
        "text", description="text: one readable line per record; json: one JSON object per "
        "line (time, level, logger, message, exception), for log collectors")
    metrics_port: int | None = Field(
        None, ge=0, le=65535, description="serve /healthz and /metrics (Prometheus) on "
        "this port; unset (the default): no endpoint. 0 picks a free port (tests)")
    metrics_host: str = Field(
        "127.0.0.1", description="address the health and metrics endpoint listens on: "
        "loopback by default; in a container set 0.0.0.0 so the port can be published")
    fake_time_file: str | None = Field(
        None, description="tests and demos only: read the current time from this file, "
        "which must hold an ISO-8601 instant with its offset, e.g. 2026-03-03T08:00:00+00:00")

    judge: Literal["rubric", "llm"] = Field("rubric", description="who grades answers")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible API base, e.g. "
                                     "https://api.openai.com/v1 or a local server")
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(10.0, gt=0, le=120,
                               description="seconds the LLM judge may take per answer")
    llm_response_format: Literal["auto", "json_schema", "json_object"] = Field(
        "auto", description="structured output: auto tries json_schema, then json_object")
    judge_concurrency: int = Field(4, ge=1, le=64,
                                   description="answers the LLM judge grades at once")

    discord_token: SecretStr | None = Field(
        None, validation_alias=_env("DISCORD_TOKEN", "QUIZBOT_DISCORD_TOKEN"))
    discord_guild_id: int | None = Field(
        None, description="development guild: commands sync there instantly")
    discord_application_id: int | None = Field(
        None, description="for invite-url (default: read from the token)")
    discord_api_base: str | None = Field(None, description="REST base override, e.g. "
                                         "http://127.0.0.1:PORT/api/v10 (proxies, tests)")
    discord_gateway_url: str | None = Field(None, description="gateway URL override")
    discord_sharded: bool = Field(
        False, description="run sharded, as many shards as Discord recommends")
    discord_shards: int | None = Field(
        None, ge=1, le=10_000, description="run this many gateway shards (implies sharded); "
        "unset: one connection, or Discord's recommendation when sharded")
    discord_shard_ids: Annotated[list[int] | None, NoDecode] = Field(
        None, description="the shards this process holds, e.g. 0,1 (needs discord_shards; "
        "unset: all): one set per replica")
    discord_message_content: bool = Field(
        True, description="privileged Message Content intent: thread replies are answers "
        "(false: answers by button and form only)")
    discord_members_intent: bool = Field(
        False, description="privileged members intent: lets a team follow a role")
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_BOT_TOKEN", "QUIZBOT_SLACK_BOT_TOKEN"))
    slack_app_token: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_APP_TOKEN", "QUIZBOT_SLACK_APP_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET", "QUIZBOT_SLACK_SIGNING_SECRET"))
    slack_api_base: str = Field("https://slack.com/api/",
                                description="Slack Web API base URL (proxies, tests)")
    slack_host: str = Field("0.0.0.0", description="HTTP mode: address to listen on")
    slack_port: int = Field(3000, ge=0, le=65535, description="HTTP mode: port to listen on")
    slack_timeout: int = Field(30, gt=0, le=300, description="Web API request timeout (s)")
    slack_client_id: str | None = Field(
        None, validation_alias=_env("SLACK_CLIENT_ID", "QUIZBOT_SLACK_CLIENT_ID"),
        description="many workspaces: the app's client id; with the secret it selects "
        "the OAuth install flow (HTTP mode) instead of one SLACK_BOT_TOKEN")
    slack_client_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_CLIENT_SECRET", "QUIZBOT_SLACK_CLIENT_SECRET"))
    slack_scopes: Annotated[list[str] | None, NoDecode] = Field(
        None, validation_alias=_env("SLACK_SCOPES", "QUIZBOT_SLACK_SCOPES"),
        description="bot scopes an install asks for, comma-separated; unset: the manifest's")
    slack_redirect_uri: str | None = Field(
        None, validation_alias=_env("SLACK_REDIRECT_URI", "QUIZBOT_SLACK_REDIRECT_URI"),
        description="https://YOUR-HOST/slack/oauth_redirect, as in the app's Redirect URLs")
    slack_authorize_url: str = Field(
        "https://slack.com/oauth/v2/authorize",
        description="where /slack/install sends people to approve (proxies, tests)")

    @field_validator("discord_token", "slack_bot_token", "slack_app_token",
                     "slack_signing_secret", "slack_client_id", "slack_client_secret",
                     "slack_redirect_uri", "llm_api_key", "fake_time_file", mode="before")
    @classmethod
    def _empty_is_unset(cls, v: object) -> object:
        """`SLACK_APP_TOKEN=` (as .env.example ships it) means not set, not an empty token."""
        if isinstance(v, str) and not v.strip():
            return None
        return v

    @field_validator("discord_shard_ids", "slack_scopes", mode="before")
    @classmethod
    def _shard_list(cls, v: object) -> object:
        """`QUIZBOT_DISCORD_SHARD_IDS=0,2` (and `SLACK_SCOPES=chat:write,...`) is a plain
        comma-separated list."""
        if isinstance(v, str):
            return [p.strip() for p in v.split(",") if p.strip()] or None
        return v

    @field_validator("discord_shard_ids")
    @classmethod
    def _shards_fit(cls, ids: list[int] | None, info: ValidationInfo) -> list[int] | None:
        """Shard ids only mean something against a count, and each must be below it, or
        Discord closes the connection (4010)."""
        if ids is None:
            return None
        count = info.data.get("discord_shards")
        if count is None:
            raise ValueError("needs QUIZBOT_DISCORD_SHARDS (the total number of shards)")
        if any(not 0 <= i < count for i in ids) or len(set(ids)) != len(ids):
            raise ValueError(f"each shard once, from 0 to {count - 1}")
        return ids

    @field_validator("fake_time_file")
    @classmethod
    def _fake_time(cls, v: str | None) -> str | None:
        """A fake clock whose file is missing or garbled is refused at start-up, not run on
        real time."""
        if v is not None:
            FileClock(v)
        return v

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, v: str) -> str:
        if v.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"{v!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
        return v.strip().upper()

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            return parse_timezone(v)
        except InputError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("post_time")
    @classmethod
    def _time(cls, v: str) -> str:
        try:
            return parse_time_of_day(v).strftime("%H:%M")
        except InputError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("window")
    @classmethod
    def _window(cls, v: str) -> str:
        try:
            parse_duration(v)
        except InputError as exc:
            raise ValueError(str(exc)) from None
        return v

    def database(self) -> str:
        """What ``Database.open`` is given: the URL when set, else the SQLite file."""
        return self.database_url.get_secret_value() if self.database_url else str(self.db)

    def platforms(self, choice: PlatformChoice | None = None) -> list[str]:
        """Which adapters to run: explicit choice, or whatever tokens are configured."""
        choice = choice or self.platform
        if choice == "all":
            return ["discord", "slack"]
        if choice != "auto":
            return [choice]
        found = []
        if self.discord_token:
            found.append("discord")
        if self.slack_bot_token or self.slack_client_id:
            found.append("slack")
        return found or ["console"]
