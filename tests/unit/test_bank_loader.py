"""Loading topic files: every problem named, ids unique, schema.json kept in step."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bank import DEFAULT_DIR, BankError, json_schema, load_bank
from tests.conftest import SAMPLE_BANK

SAMPLE = (SAMPLE_BANK / "sample.yaml").read_text(encoding="utf-8")


def test_sample_bank_loads_with_topic_and_level_stamped() -> None:
    bank = load_bank(SAMPLE_BANK)
    q = bank.get("sample-tokens")
    assert q is not None and q.topic == "sample" and q.level.value == "intern"
    assert bank.filtered(levels=["scientist"]) == []
    assert len(bank.filtered(topics=["sample"], levels=["intern"])) == 3


def test_duplicate_ids_across_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "sample.yaml").write_text(SAMPLE)
    (tmp_path / "other.yaml").write_text(SAMPLE.replace("topic: sample", "topic: other"))
    with pytest.raises(BankError) as err:
        load_bank(tmp_path)
    assert any("sample.yaml: entry 'sample-tokens': id already used in other.yaml" in p
               for p in err.value.problems)


def test_topic_must_match_file_name(tmp_path: Path) -> None:
    (tmp_path / "renamed.yaml").write_text(SAMPLE)
    with pytest.raises(BankError, match="must match the file name"):
        load_bank(tmp_path)


def test_numbers_in_phrases_are_read_as_text_but_booleans_are_errors(tmp_path: Path) -> None:
    (tmp_path / "sample.yaml").write_text(SAMPLE.replace("[vocabulary, vocab]",
                                                         "[vocabulary, 32000, 0.5]"))
    bank = load_bank(tmp_path)
    q = bank.get("sample-tokens")
    assert q is not None and q.key_points[1].phrases == ["vocabulary", "32000", "0.5"]
    (tmp_path / "sample.yaml").write_text(SAMPLE.replace("[vocabulary, vocab]", "[yes, no]"))
    with pytest.raises(BankError, match="valid string"):
        load_bank(tmp_path)


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="no topic files"):
        load_bank(tmp_path)


def test_schema_json_is_generated_from_the_model() -> None:
    committed = (DEFAULT_DIR / "schema.json").read_text(encoding="utf-8")
    assert committed == json_schema(), "run `make schema` to regenerate questions/schema.json"
