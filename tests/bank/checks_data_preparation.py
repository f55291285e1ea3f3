"""Checks for the code in questions/data-preparation.yaml answers."""

from __future__ import annotations

import itertools
from typing import Any


def _check_chunk_words(ns: dict[str, Any]) -> None:
    chunk_words = ns["chunk_words"]
    assert chunk_words("a b c d e f g", size=4, overlap=1) == ["a b c d", "d e f g"]
    assert chunk_words("", size=4, overlap=1) == []
    assert chunk_words("a b", size=4, overlap=1) == ["a b"]
    assert chunk_words("a b c d", size=4, overlap=1) == ["a b c d"]
    assert chunk_words("a b c d e", size=2, overlap=0) == ["a b", "c d", "e"]
    for n in range(1, 40):
        words = [f"w{i}" for i in range(n)]
        chunks = chunk_words(" ".join(words), size=7, overlap=3)
        pieces = [c.split() for c in chunks]
        assert all(len(p) <= 7 for p in pieces)
        assert pieces[0][0] == "w0" and pieces[-1][-1] == words[-1]
        for a, b in itertools.pairwise(pieces):
            assert a[-3:] == b[:3]
    for bad in ((4, 4), (4, -1)):
        try:
            chunk_words("a b", size=bad[0], overlap=bad[1])
        except ValueError:
            pass
        else:
            raise AssertionError(f"no ValueError for {bad}")


CHECKS = {"dataprep-chunking-approaches": _check_chunk_words}
