"""The optional LLM judge against a fake OpenAI-compatible server; rubric fallback."""

from __future__ import annotations

import logging

import pytest

from bot.bank import QuestionBank
from bot.config import Settings
from bot.domain.grading import grade
from bot.services.llm_judge import LLMJudge
from tests.fakes.openai import fake_openai

ANSWER = "A token is a subword piece of a fixed vocabulary built by byte-pair encoding."


async def test_uses_the_model_verdict(sample_bank: QuestionBank) -> None:
    q = sample_bank.get("sample-tokens")
    assert q is not None
    async with fake_openai() as fake:
        fake.reply = {"covered": [0, 2], "quality": 0.8, "feedback": "Say why BPE."}
        judge = LLMJudge(fake.base_url, "judge-model", "sk-test-secret", timeout=5)
        g = await judge.grade(q, ANSWER)
    assert g.covered == ("Subword unit", "Built by BPE or similar")
    assert g.missed == ("Fixed vocabulary",)
    assert g.coverage == pytest.approx(2 / 3, abs=1e-3) and g.prose_factor == 0.8
    assert g.notes == ("Say why BPE.",)
    sent = fake.requests[0]
    assert sent["model"] == "judge-model" and sent["response_format"] == {"type": "json_object"}
    assert "<candidate_answer>" in sent["messages"][1]["content"]
    assert fake.headers[0]["Authorization"] == "Bearer sk-test-secret"


@pytest.mark.parametrize("setup", [
    {"reply": "not json at all"},
    {"reply": {"covered": [0, 7]}},             # index out of range
    {"reply": {"covered": "all", "quality": 2}},  # wrong types
    {"status": 500},
    {"status": 429},
    {"hang": True},
])
async def test_any_failure_falls_back_to_the_rubric(
        sample_bank: QuestionBank, setup: dict[str, object],
        caplog: pytest.LogCaptureFixture) -> None:
    q = sample_bank.get("sample-tokens")
    assert q is not None
    async with fake_openai() as fake:
        for key, value in setup.items():
            setattr(fake, key, value)
        judge = LLMJudge(fake.base_url, "m", "sk-never-logged", timeout=0.2)
        with caplog.at_level(logging.WARNING):
            g = await judge.grade(q, ANSWER)
    assert g == grade(q, ANSWER)
    assert "rubric" in caplog.text and "sk-never-logged" not in caplog.text


async def test_unreachable_server_falls_back(sample_bank: QuestionBank) -> None:
    q = sample_bank.get("sample-tokens")
    assert q is not None
    async with fake_openai() as fake:
        url = fake.base_url
    judge = LLMJudge(url, "m", None, timeout=1)  # the server is gone now
    assert await judge.grade(q, ANSWER) == grade(q, ANSWER)


def test_settings_build_the_judge(tmp_path: object) -> None:
    from bot.app import make_judge

    s = Settings(judge="llm", llm_base_url="http://127.0.0.1:9/v1",
                 llm_api_key="sk-x", _env_file=None)  # type: ignore[arg-type,call-arg]
    judge = make_judge(s)
    assert isinstance(judge, LLMJudge) and judge.url == "http://127.0.0.1:9/v1/chat/completions"
    with pytest.raises(ValueError, match="LLM_BASE_URL"):
        make_judge(Settings(judge="llm", _env_file=None))  # type: ignore[call-arg]
    assert "sk-x" not in repr(s) and "sk-x" not in str(s)
