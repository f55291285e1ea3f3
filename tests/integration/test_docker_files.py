"""The Dockerfile and docker-compose.yml, checked without a Docker daemon: their structure
is parsed and asserted, the builder's dependency step is run on pyproject.toml, and the
image's entrypoint runs as a plain process with the image's argv and environment."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from bot.__main__ import NOTHING_TO_RUN
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
METRICS_PORT = "9100"


@dataclass
class Stage:
    base: str
    name: str | None
    steps: list[tuple[str, str]] = field(default_factory=list)  # (INSTRUCTION, arguments)

    def all(self, instruction: str) -> list[str]:
        return [args for ins, args in self.steps if ins == instruction]

    def index(self, instruction: str, contains: str) -> int:
        found = [i for i, (ins, args) in enumerate(self.steps)
                 if ins == instruction and contains in args]
        assert found, f"no {instruction} with {contains!r} in the stage from {self.base}"
        return found[0]

    def env(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for args in self.all("ENV"):
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                out[key] = value
        return out


def parse_dockerfile(text: str) -> list[Stage]:
    """Instructions by stage: continuation lines joined, comments and parser directives
    dropped (enough for this Dockerfile; not a general parser)."""
    logical, current = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    stages: list[Stage] = []
    for line in logical:
        ins, _, args = line.partition(" ")
        ins, args = ins.upper(), args.strip()
        if ins == "FROM":
            words = args.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif stages:
            stages[-1].steps.append((ins, args))
    return stages


STAGES = parse_dockerfile((ROOT / "Dockerfile").read_text(encoding="utf-8"))
BUILDER, RUNTIME = STAGES[0], STAGES[-1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SCALE = yaml.safe_load((ROOT / "docker-compose.scale.yml").read_text(encoding="utf-8"))


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def test_multi_stage_runtime_without_build_tools() -> None:
    assert len(STAGES) == 2 and BUILDER.name == "builder"
    assert "slim" in RUNTIME.base and "slim" not in BUILDER.base
    runtime_runs = " ".join(RUNTIME.all("RUN"))
    assert "from=builder" in runtime_runs  # wheels come from the builder
    for tool in ("gcc", "build-essential", "pip wheel"):
        assert tool not in runtime_runs
    assert not [a for a in RUNTIME.all("COPY") if "bot" in a.split()]


def test_dependencies_have_their_own_layer_before_the_code() -> None:
    pyproject = BUILDER.index("COPY", "pyproject.toml")
    deps = BUILDER.index("RUN", "requirements.txt")
    code = BUILDER.index("COPY", "bot")
    assert pyproject < deps < code
    assert BUILDER.steps[pyproject][1].split()[:-1] == ["pyproject.toml"]  # nothing else
    assert RUNTIME.index("RUN", "/wheels/deps") < RUNTIME.index("RUN", "/wheels/app")


def test_the_dependency_step_lists_exactly_pyprojects_dependencies(tmp_path: Path) -> None:
    step = BUILDER.steps[BUILDER.index("RUN", "requirements.txt")][1]
    listing = step.split("&&")[0].strip()  # the part before `pip wheel`
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["sh", "-c", listing], cwd=tmp_path, env=env, check=True, timeout=60)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["postgres"]
    assert (tmp_path / "requirements.txt").read_text().splitlines() == wanted


def test_labels_ports_user_volume_and_healthcheck() -> None:
    labels = " ".join(RUNTIME.all("LABEL"))
    for key in ("title", "description", "source", "licenses"):
        assert f"org.opencontainers.image.{key}=" in labels
    assert 'org.opencontainers.image.licenses="MIT"' in labels
    exposed = " ".join(RUNTIME.all("EXPOSE")).split()
    slack_port = Settings.model_fields["slack_port"].default
    assert str(slack_port) in exposed and METRICS_PORT in exposed
    (user,) = RUNTIME.all("USER")
    assert user.split(":")[0] == "10001"
    env = RUNTIME.env()
    assert env["QUIZBOT_DB"] == "/data/quizbot.db"
    assert env["QUIZBOT_METRICS_PORT"] == METRICS_PORT
    assert "QUIZBOT_QUESTIONS_DIR" not in env  # the bank ships in the package
    assert exec_form(RUNTIME.all("VOLUME")[0]) == ["/data"]
    (health,) = RUNTIME.all("HEALTHCHECK")
    command = exec_form(health[health.index("CMD ") + 4:])
    assert command[:2] == ["python", "-c"]
    assert "urllib.request" in command[2] and "127.0.0.1" in command[2]
    assert "/healthz" in command[2] and "QUIZBOT_METRICS_PORT" in command[2]


def test_exec_form_entrypoint_runs_quizbot_directly() -> None:
    (entrypoint,) = RUNTIME.all("ENTRYPOINT")
    (cmd,) = RUNTIME.all("CMD")
    assert exec_form(entrypoint) == ["quizbot"] and exec_form(cmd) == ["run"]
    assert RUNTIME.all("STOPSIGNAL") in ([], ["SIGTERM"])


def test_compose_has_volume_env_file_restart_and_healthcheck() -> None:
    service = COMPOSE["services"]["quizbot"]
    assert service["build"] == "."
    assert service["env_file"] in (".env", [".env"])
    assert service["restart"] == "unless-stopped"
    (volume,) = service["volumes"]
    name, target = volume.split(":")
    assert target == "/data" and name in COMPOSE["volumes"]
    (health,) = RUNTIME.all("HEALTHCHECK")
    assert service["healthcheck"]["test"] == ["CMD", *exec_form(health[health.index("CMD ")
                                                                       + 4:])]
    assert "ports" not in service  # only Slack HTTP mode needs one (commented out)


def test_the_images_entrypoint_without_tokens_says_what_is_missing(tmp_path: Path) -> None:
    """`docker run -d quizbot` with no tokens, as a plain process: the image's argv and
    environment, stdin at end-of-input and no terminal, a temporary QUIZBOT_DB."""
    (entrypoint,) = RUNTIME.all("ENTRYPOINT")
    (cmd,) = RUNTIME.all("CMD")
    argv = exec_form(entrypoint) + exec_form(cmd)
    script = Path(sys.executable).parent / argv[0]
    argv = [str(script), *argv[1:]] if script.exists() \
        else [sys.executable, "-m", "bot", *argv[1:]]
    db = tmp_path / "data" / "quizbot.db"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QUIZBOT_", "DISCORD_", "SLACK_"))}
    env |= RUNTIME.env() | {"QUIZBOT_DB": str(db),
                            "PYTHONPATH": str(ROOT)}  # this checkout's bot
    res = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=60)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stderr.strip().splitlines() == [NOTHING_TO_RUN]
    assert res.stdout == ""
    assert not db.parent.exists()


@pytest.mark.parametrize("name", ["build", "*.egg-info", ".env", "tests"])
def test_dockerignore_keeps_local_files_out_of_the_context(name: str) -> None:
    assert name in (ROOT / ".dockerignore").read_text().splitlines()


def test_the_scale_compose_runs_two_replicas_on_one_postgresql() -> None:
    """docker-compose.scale.yml: PostgreSQL with a health check and its data on a volume,
    two quizbot replicas on the same database URL, each waiting for the database."""
    services = SCALE["services"]
    db = services["db"]
    assert db["image"].startswith("postgres:") and "healthcheck" in db
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    replicas = [s for name, s in services.items() if name != "db"]
    assert len(replicas) == 2
    urls = {r["environment"]["QUIZBOT_DATABASE_URL"] for r in replicas}
    assert len(urls) == 1 and next(iter(urls)).startswith("postgresql://")
    assert "@db:5432/" in next(iter(urls))
    for r in replicas:
        assert r["depends_on"]["db"]["condition"] == "service_healthy"
        assert r["image"] == "quizbot:latest" and r["restart"] == "unless-stopped"
    assert sum("build" in r for r in replicas) == 1     # one builds, both run the image
