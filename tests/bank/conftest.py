"""Fixtures shared by the question-bank tests."""

from __future__ import annotations

import pytest

from bot.bank import QuestionBank

from .loading import current_bank


@pytest.fixture(scope="session")
def bank() -> QuestionBank:
    return current_bank()
