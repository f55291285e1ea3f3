"""deploy/slack-manifest.yml declares exactly what the adapter uses."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.adapters.slack import COMMANDS, EVENTS, SCOPES

MANIFEST = yaml.safe_load((Path(__file__).resolve().parents[2] / "deploy" /
                           "slack-manifest.yml").read_text(encoding="utf-8"))


def test_commands_events_and_scopes_match_the_code() -> None:
    commands = [c["command"] for c in MANIFEST["features"]["slash_commands"]]
    assert sorted(commands) == sorted(COMMANDS)
    assert sorted(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) == sorted(EVENTS)
    assert sorted(MANIFEST["oauth_config"]["scopes"]["bot"]) == sorted(SCOPES)


def test_socket_mode_interactivity_and_home_are_on() -> None:
    settings, features = MANIFEST["settings"], MANIFEST["features"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert features["app_home"]["home_tab_enabled"] is True
