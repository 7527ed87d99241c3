"""The benchmarks' building blocks: a reproducible corpus, request documents, statistics, parsing."""

from __future__ import annotations

import pytest

from argmine.bench.common import build_corpus, paragraphs, percentile, print_table
from argmine.bench.offline import _SUMMARY, ratios
from argmine.bench.online import request_documents
from argmine.models.documents import split


def test_corpus_is_reproducible_and_made_of_corpus_paragraphs():
    first, again = build_corpus(30, seed=3), build_corpus(30, seed=3)
    assert first == again
    assert build_corpus(30, seed=4) != first
    assert len(first) == 30 and len({d["id"] for d in first}) == 30
    pool = set(paragraphs())
    for doc in first:
        parts = doc["text"].split("\n\n")
        assert 2 <= len(parts) <= 6
        assert set(parts) <= pool


def test_corpus_rejects_an_empty_paragraph_range():
    with pytest.raises(ValueError):
        build_corpus(3, min_paragraphs=4, max_paragraphs=2)


def test_request_documents_have_exactly_the_asked_sentences():
    docs = request_documents(4, limit=10)
    assert docs and all(len(split(text)) == 4 for text in docs)


def test_percentile_interpolates():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5], 99) == 5
    assert percentile([10, 0], 100) == 10


def test_cli_summary_line_is_parsed():
    line = "labelled 2,000 documents, 31,415 sentences, 0 skipped in 1,234.5 s, 1.6 documents/s"
    match = _SUMMARY.search(line)
    assert match and match[1] == "2,000" and match[2] == "31,415" and match[3] == "1,234.5"


def test_ratios_compare_end_to_end_with_each_reference():
    result = {"end_to_end": {"sentences_per_s": 100.0},
              "pipelines": [{"batch_size": "default (1)", "sentences_per_s": 10.0},
                            {"batch_size": 8, "sentences_per_s": 20.0}, {"batch_size": 64, "sentences_per_s": 25.0}],
              "ceiling": {"sentences_per_s": 110.0}}
    rows = {r["comparison"].split(" / ")[1][:3]: r for r in ratios(result)}
    assert rows["(a)"]["ratio"] == 10.0 and rows["(a)"]["met"]
    assert rows["(b)"]["ratio"] == 4.0 and not rows["(b)"]["met"]
    assert rows["(c)"]["ratio"] == pytest.approx(100 / 110) and rows["(c)"]["met"]


def test_table_aligns_columns(capsys):
    text = print_table(["name", "value"], [["a", 1.5], ["bb", 1234.0]])
    lines = text.splitlines()
    assert len({len(line) for line in lines[:2]}) == 1  # header and rule equally wide
    assert lines[-1].endswith("1,234.0")
