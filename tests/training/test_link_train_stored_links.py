"""Stored links (people's, through the service) train the link model beside the corpus links,
found on the stored sentences of their document by offsets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from argmine.models.links import LinkModel
from argmine.models.scheme import ROLES, STANCES
from argmine.training.corpus import load_corpus
from argmine.training.link_train import USER_PREFIX, train_links, user_link_data
from argmine.training.predictions import PredictionsError
from tests.fakes import FakeLabeler

TEXT = ("Citizens should vote online. Turnout rose by 12 percent in 2019. "
        "However, hackers could manipulate the count. Section 4.")


def _span(sentence: str) -> tuple[int, int]:
    start = TEXT.index(sentence)
    return start, start + len(sentence)


SENTENCES = [("Citizens should vote online.", "claim", "populist"), ("Turnout rose by 12 percent in 2019.", "premise",
             "none"), ("However, hackers could manipulate the count.", "premise", "skeptical"), ("Section 4.", "none",
                                                                                              "none")]
ANNOTATIONS = [{"text": t, "role": r, "stance": s, "risk": False, "doc_id": "web-1",
                "start": _span(t)[0], "end": _span(t)[1]} for t, r, s in SENTENCES]


def _link(source: str, target: str, kind: str, **extra) -> dict:
    (ss, se), (ts, te) = _span(source), _span(target)
    return {"doc_id": "web-1", "source_start": ss, "source_end": se, "target_start": ts, "target_end": te,
            "type": kind, "annotator": "ana", "created_at": "2026-01-01T00:00:00+00:00", **extra}


def test_stored_links_find_their_sentences_by_offsets():
    links = [_link(SENTENCES[1][0], SENTENCES[0][0], "support"),
             _link(SENTENCES[2][0], SENTENCES[0][0], "attack"),
             _link(SENTENCES[3][0], SENTENCES[0][0], "support"),  # an end with role none: left out
             dict(_link(SENTENCES[1][0], SENTENCES[0][0], "support"), source_start=1),  # no stored sentence there
             dict(_link(SENTENCES[0][0], SENTENCES[1][0], "support"), doc_id="elsewhere")]
    user = user_link_data(ANNOTATIONS, links)
    assert user.links == [{"doc_id": USER_PREFIX + "web-1", "source": 1, "target": 0, "type": "support"},
                          {"doc_id": USER_PREFIX + "web-1", "source": 2, "target": 0, "type": "attack"}]
    assert [r["text"] for r in user.records] == [s[0] for s in SENTENCES]
    assert [r["sent_id"] for r in user.records] == [0, 1, 2, 3]
    assert user.skipped == {"an end has role none": 1, "an end is not a stored annotation's sentence": 2}


def test_the_newest_link_of_a_sentence_and_the_newest_labels_of_a_span_count():
    relabelled = ANNOTATIONS + [dict(ANNOTATIONS[1], role="claim")]  # stored later: the newest labels win
    old = _link(SENTENCES[2][0], SENTENCES[0][0], "support", annotator="ana")
    new = _link(SENTENCES[2][0], SENTENCES[1][0], "attack", annotator="ben", created_at="2026-02-01T00:00:00+00:00")
    user = user_link_data(relabelled, [new, old])
    assert user.links == [{"doc_id": USER_PREFIX + "web-1", "source": 2, "target": 1, "type": "attack"}]
    assert user.records[1]["role"] == "claim"


def test_the_link_model_learns_from_corpus_and_stored_links(tiny_linked_corpus: Path, tmp_path: Path):
    user = user_link_data(ANNOTATIONS, [_link(SENTENCES[1][0], SENTENCES[0][0], "support"),
                                        _link(SENTENCES[2][0], SENTENCES[0][0], "attack")])
    model = train_links(tiny_linked_corpus, tmp_path / "model", user=user, labeler=FakeLabeler(), roles="gold")
    assert model is not None and model.n_training_links_ == 3 + 2
    assert model.n_training_documents_ == 2 + 1
    saved = LinkModel.load(tmp_path / "model" / "links")
    assert saved.n_training_links_ == 5
    data = json.loads((tmp_path / "model" / "links" / "data.json").read_text())
    # 10 authored sentences and 4 stored ones: each source weighs 7 sentences' worth in total.
    assert data == {"roles": "gold roles", "source_weights": {"authored": 0.7, "user": 1.75},
                    "corpus_links": 3, "stored_links": 2, "stored_documents": 1, "stored_links_skipped": {}}


def test_stored_links_alone_train_a_link_model_where_the_corpus_has_none(tiny_corpus: Path, tmp_path: Path):
    assert train_links(tiny_corpus, tmp_path / "none", labeler=FakeLabeler()) is None
    user = user_link_data(ANNOTATIONS, [_link(SENTENCES[1][0], SENTENCES[0][0], "support"),
                                        _link(SENTENCES[2][0], SENTENCES[0][0], "attack")])
    model = train_links(tiny_corpus, tmp_path / "model", user=user, labeler=FakeLabeler(), roles="gold")
    assert model is not None and model.n_training_links_ == 2


def _predictions(path: Path, corpus: Path, role_of=lambda r: r["role"], skip: int = 0,
                 text_of=lambda r: r["text"]) -> Path:
    """A file as `argmine eval --predictions` writes it: certain roles and stances per corpus sentence."""
    rows = []
    for r in load_corpus(corpus)[skip:]:
        proba = {"role": {k: float(k == role_of(r)) for k in ROLES},
                 "stance": {k: float(k == r["stance"]) for k in STANCES}, "risk": {"false": 1.0, "true": 0.0}}
        rows.append({"system": "finetuned", "mode": "seed", "fold": 0, "doc_id": r["doc_id"],
                     "sent_id": r["sent_id"], "text": text_of(r), "probabilities": proba})
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_the_link_model_learns_from_out_of_fold_roles_where_given(tiny_linked_corpus: Path, tmp_path: Path):
    gold = _predictions(tmp_path / "gold.jsonl", tiny_linked_corpus)
    assert train_links(tiny_linked_corpus, tmp_path / "a", labeler=FakeLabeler(), roles_from=gold) is not None
    data = json.loads((tmp_path / "a" / "links" / "data.json").read_text())
    assert data["roles"] == "out-of-fold roles of finetuned (gold.jsonl) on corpus sentences"

    # Out-of-fold roles that call every sentence "none" leave no candidate pair: the roles were read
    # from the file (the fake labeler's own would give candidates), and gold roles take over.
    silent = _predictions(tmp_path / "silent.jsonl", tiny_linked_corpus, role_of=lambda r: "none")
    assert train_links(tiny_linked_corpus, tmp_path / "b", labeler=FakeLabeler(), roles_from=silent) is not None
    assert json.loads((tmp_path / "b" / "links" / "data.json").read_text())["roles"] == "gold roles"
    assert train_links(tiny_linked_corpus, tmp_path / "c", labeler=FakeLabeler()) is not None
    assert json.loads((tmp_path / "c" / "links" / "data.json").read_text())["roles"] == "the sentence model's own roles"

    partial = _predictions(tmp_path / "partial.jsonl", tiny_linked_corpus, skip=1)
    with pytest.raises(PredictionsError, match="has no prediction for 1 sentence"):
        train_links(tiny_linked_corpus, tmp_path / "d", labeler=FakeLabeler(), roles_from=partial)
    # A sentence edited since the file was written is not the one it predicted.
    first = load_corpus(tiny_linked_corpus)[0]
    stale = _predictions(tmp_path / "stale.jsonl", tiny_linked_corpus,
                         text_of=lambda r: r["text"] + " (old)" if r == first else r["text"])
    with pytest.raises(PredictionsError, match="has no prediction for 1 sentence"):
        train_links(tiny_linked_corpus, tmp_path / "d", labeler=FakeLabeler(), roles_from=stale)
    with pytest.raises(PredictionsError, match="no seed-mode predictions of 'accurate'"):
        train_links(tiny_linked_corpus, tmp_path / "d", labeler=FakeLabeler(), roles_from=gold, roles_system="accurate")


def test_out_of_fold_roles_need_not_cover_every_sentence_when_asked(tiny_linked_corpus: Path, tmp_path: Path):
    # As `argmine train` with a recipe's link_roles_from: sentences added or edited since the file was
    # written, and stored ones, take the sentence model's own roles.
    partial = _predictions(tmp_path / "partial.jsonl", tiny_linked_corpus, skip=2)
    n = len(load_corpus(tiny_linked_corpus))
    assert train_links(tiny_linked_corpus, tmp_path / "a", labeler=FakeLabeler(), roles_from=partial,
                       every_sentence=False) is not None
    roles = json.loads((tmp_path / "a" / "links" / "data.json").read_text())["roles"]
    assert roles == (f"out-of-fold roles of finetuned (partial.jsonl) on {n - 2} of {n} corpus sentences, "
                     "the sentence model's own roles on the 2 others")
