"""Which bank the bank tests read: all of ``questions/``, or (while authoring) only the
topics named in ``QUIZBOT_BANK_TOPICS=a,b`` so one broken file does not hide the rest."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from bot.bank import DEFAULT_DIR, QuestionBank, load_bank


def current_bank() -> QuestionBank:
    only = [t for t in os.environ.get("QUIZBOT_BANK_TOPICS", "").split(",") if t]
    if not only:
        return load_bank()
    with tempfile.TemporaryDirectory() as tmp:
        for t in only:
            shutil.copy(DEFAULT_DIR / f"{t}.yaml", Path(tmp) / f"{t}.yaml")
        return load_bank(Path(tmp))
