"""Distillation on a tiny corpus: the student follows the teacher's probabilities."""

from __future__ import annotations

import numpy as np

from argmine.models.scheme import HEADS
from argmine.models.labeler import SentenceLabeler
from argmine.training.corpus import load_corpus
from argmine.training.distill import unlabelled_records, with_soft_targets


class ConstantTeacher:
    """Always sure of one role; neutral on the other heads."""

    def __init__(self, role: str):
        self.role = role

    def predict_proba(self, items):
        out = {h: np.full((len(items), len(labels)), 1 / len(labels), dtype=np.float32) for h, labels in HEADS.items()}
        out["role"][:] = 0.01
        out["role"][:, HEADS["role"].index(self.role)] = 0.98
        return out


def test_unlabelled_text_becomes_records_in_context_without_labels(tiny_corpus):
    (tiny_corpus / "unlabelled").mkdir()
    (tiny_corpus / "unlabelled" / "extra.txt").write_text("First sentence here. Second one.\n\nA new paragraph.")
    records = unlabelled_records(tiny_corpus)
    assert [r["text"] for r in records] == ["First sentence here.", "Second one.", "A new paragraph."]
    assert records[1]["before"] == ["First sentence here."] and records[1]["role"] is None
    assert records[2]["section"] != records[0]["section"]


def test_a_student_learns_the_teachers_view_of_unlabelled_sentences(tiny_corpus):
    records = load_corpus(tiny_corpus)
    (tiny_corpus / "unlabelled").mkdir()
    (tiny_corpus / "unlabelled" / "extra.txt").write_text(" ".join(r["text"] for r in records))
    extra = unlabelled_records(tiny_corpus)
    probe = [r["text"] for r in records]

    def student(role: str) -> np.ndarray:
        taught = with_soft_targets(extra, ConstantTeacher(role))
        assert all(r["role"] is None and len(r["soft"]["role"]) == 3 for r in taught)
        labeler = SentenceLabeler(trainable_layers=1, epochs=3, batch_size=8, learning_rate=1e-3,
                                  head_learning_rate=5e-2, device="cpu", precision="fp32", distill_weight=1.0,
                                  context_window=1).fit(taught, progress=False)
        return labeler.predict_proba(probe)["role"][:, HEADS["role"].index("claim")]

    assert student("claim").mean() > student("premise").mean() + 0.1


def test_gold_and_soft_targets_mix_in_one_fit(tiny_corpus):
    records = load_corpus(tiny_corpus)
    mixed = with_soft_targets(records[:5], ConstantTeacher("none")) + records[5:]
    labeler = SentenceLabeler(trainable_layers=1, epochs=1, max_steps=2, batch_size=4, device="cpu",
                              precision="fp32").fit(mixed, progress=False)
    assert np.isfinite(labeler.history_[0]["train_loss"])
