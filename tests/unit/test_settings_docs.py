"""Every setting in bot/config.py is documented: in .env.example (commented out, with its
default, so a copy changes nothing) and in the README's configuration table."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pydantic import AliasChoices, TypeAdapter

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
#: fields whose default depends on where quizbot is installed: shown empty
MACHINE_DEFAULTS = {"questions_dir"}


def env_name(field: str) -> str:
    """The variable a setting is read from: its first alias, else prefix + NAME."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        first = alias.choices[0]
        assert isinstance(first, str)
        return first
    return f"{Settings.model_config['env_prefix']}{field.upper()}"


def example_lines() -> list[str]:
    return ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()


def commented_settings() -> dict[str, str]:
    found = {}
    for line in example_lines():
        m = re.fullmatch(r"# ([A-Z][A-Z0-9_]*)=(.*)", line)
        if m:
            assert m.group(1) not in found, f"{m.group(1)} twice in .env.example"
            found[m.group(1)] = m.group(2)
    return found


def test_env_example_sets_nothing_so_a_copy_is_safe_anywhere() -> None:
    # An uncommented line overrides the default, in Docker too: QUIZBOT_DB=data/quizbot.db
    # put the database off the volume, in a folder the image's user cannot create.
    assigned = [line for line in example_lines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert assigned == []


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_env_example_shows_every_setting_with_its_default(field: str) -> None:
    settings = commented_settings()
    name = env_name(field)
    assert name in settings, f"{name} is missing from .env.example"
    shown = settings[name]
    info = Settings.model_fields[field]
    if info.default is None or field in MACHINE_DEFAULTS:
        assert shown == "", f"{name}: no default, so show it empty"
    else:
        assert TypeAdapter(info.annotation).validate_python(shown) == info.default, \
            f"{name}={shown} in .env.example, but the default is {info.default!r}"


def test_every_example_line_is_a_setting() -> None:
    known = {env_name(f) for f in Settings.model_fields}
    assert set(commented_settings()) <= known


def test_a_copied_env_example_leaves_every_default(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith(("QUIZBOT_", "DISCORD_", "SLACK_")):
            monkeypatch.delenv(key)
    (tmp_path / ".env").write_text(ENV_EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert Settings() == Settings(_env_file=None)


def readme_table_settings() -> set[str]:
    """Setting names in the first column of the README's table under "## Configure"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Configure\n"):]
    section = section[:section.index("\n## ", 1)]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1]))
    return names


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_readme_configuration_table_lists_every_setting(field: str) -> None:
    assert env_name(field) in readme_table_settings(), \
        f"{env_name(field)} is missing from the README's Configure table"


def test_readme_configuration_table_lists_only_settings() -> None:
    assert readme_table_settings() <= {env_name(f) for f in Settings.model_fields}
