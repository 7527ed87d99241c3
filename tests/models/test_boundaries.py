"""The segmenter on the hand-checked boundary set, and on the annotated corpus it segmented."""

import json
from pathlib import Path

import pytest

from argmine.bench.segmentation import DATA, argmine_spans, load, score
from argmine.models.segment import segment

ANNOTATIONS = Path(__file__).resolve().parents[2] / "annotations"
# Corpus files whose annotated sentences are exactly the segmenter's; the others were
# split by hand in places (brief-india, news-brazil, speech-uk) before this change.
SEGMENTED_AS_IS = ["abstracts-edemocracy", "forum-kenya-ecitizen", "kz-egov", "ngo-russia-digital-control",
                   "oped-estonia-ivoting", "press-korea-egov-ministry"]


def test_the_boundary_set_is_large_and_its_spans_are_trimmed_and_in_order():
    items = load()
    assert sum(len(i["spans"]) - 1 for i in items) >= 300  # boundaries between sentences
    for item in items:
        cursor = 0
        for start, end in item["spans"]:
            assert start >= cursor and item["text"][start:end] == item["text"][start:end].strip()
            cursor = end


def test_argmine_scores_high_and_beats_pysbd_on_exact_spans():
    pytest.importorskip("pysbd")
    from argmine.bench.segmentation import pysbd_segmenter

    items = load(DATA)
    ours, theirs = score(items, argmine_spans), score(items, pysbd_segmenter())
    assert ours.f1 >= 0.95
    assert ours.f1 > theirs.f1


@pytest.mark.parametrize("doc_id", SEGMENTED_AS_IS)
def test_the_annotated_corpus_still_segments_as_annotated(doc_id):
    text = (ANNOTATIONS / "documents" / f"{doc_id}.txt").read_text(encoding="utf-8")
    with open(ANNOTATIONS / f"{doc_id}.jsonl", encoding="utf-8") as stream:
        spans = sorted((r["start"], r["end"]) for r in map(json.loads, stream))
    assert [(s.start, s.end) for s in segment(text)] == spans
