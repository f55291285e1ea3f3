# quizbot: one process running the configured adapters, the database on a volume.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# tzdata: zoneinfo needs the system database on slim images (the tzdata wheel is a fallback).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY questions ./questions
RUN pip install . \
    && useradd --create-home --uid 10001 quizbot \
    && mkdir -p /data \
    && chown quizbot:quizbot /data

ENV QUIZBOT_DB=/data/quizbot.db \
    QUIZBOT_QUESTIONS_DIR=/app/questions
VOLUME ["/data"]
USER quizbot

CMD ["quizbot", "run"]
