# syntax=docker/dockerfile:1
# quizbot: one process running the configured adapters, the database on a volume.
#
# Two stages. "builder" makes wheels: the dependencies first, in their own layer (rebuilt
# only when pyproject.toml changes), then quizbot itself. The runtime stage installs those
# wheels from a bind mount (no wheel files left in a layer) and has no build tools.
ARG PYTHON_VERSION=3.12

FROM python:${PYTHON_VERSION}-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml ./
# the dependencies and the postgres extra (asyncpg), so one image runs on either database
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['postgres']))" > requirements.txt \
    && pip wheel --wheel-dir /wheels/deps -r requirements.txt
COPY setup.py README.md LICENSE ./
COPY questions ./questions
COPY bot ./bot
RUN pip wheel --no-deps --wheel-dir /wheels/app .

FROM python:${PYTHON_VERSION}-slim-bookworm
# Set SOURCE_URL to the repository's address: docker build --build-arg SOURCE_URL=...
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="quizbot" \
      org.opencontainers.image.description="A daily LLM-engineering interview practice bot for Discord, Slack and the terminal." \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="MIT"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# tzdata: zoneinfo reads the system database first (the tzdata wheel is a fallback).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 quizbot \
    && useradd --uid 10001 --gid 10001 --create-home quizbot \
    && mkdir -p /data \
    && chown quizbot:quizbot /data

RUN --mount=type=bind,from=builder,source=/wheels/deps,target=/wheels/deps \
    pip install --no-index --find-links /wheels/deps /wheels/deps/*.whl
RUN --mount=type=bind,from=builder,source=/wheels/app,target=/wheels/app \
    pip install --no-index --no-deps /wheels/app/*.whl

# The question bank ships inside the package; the database lives on the volume.
# QUIZBOT_METRICS_PORT serves /healthz (for the HEALTHCHECK) on 127.0.0.1 inside the
# container; 3000 is QUIZBOT_SLACK_PORT, used by Slack's HTTP events mode only.
ENV QUIZBOT_DB=/data/quizbot.db \
    QUIZBOT_METRICS_PORT=9100
VOLUME ["/data"]
EXPOSE 3000 9100
WORKDIR /home/quizbot
USER 10001:10001

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('QUIZBOT_METRICS_PORT', '9100') + '/healthz', timeout=3)"]

# quizbot is PID 1 itself (exec form, no shell): SIGTERM from `docker stop` reaches it and
# it stops every adapter and closes the database before exiting.
STOPSIGNAL SIGTERM
ENTRYPOINT ["quizbot"]
CMD ["run"]
