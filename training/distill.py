"""Distillation: the accurate model's probabilities as soft targets for a small one.

The student learns from the teacher's full distributions (all three heads) on every
corpus sentence, gold labels mixed in, and on unlabelled text written for the
purpose (``annotations/unlabelled/*.txt``), which carries the teacher's view of
sentences no annotator has labelled. Every sentence is read in context, as the
teacher was trained.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from argmine.models.segment import segment
from argmine.training.corpus import with_neighbours

Records = list[dict[str, Any]]
UNLABELLED_DIR = "unlabelled"


class Teacher(Protocol):
    def predict_proba(self, items: Sequence[Any]) -> dict[str, np.ndarray]: ...


def unlabelled_records(corpus_dir: Path) -> Records:
    """Sentences of ``<corpus>/unlabelled/*.txt``, without labels, with their neighbours."""
    records: Records = []
    for path in sorted((Path(corpus_dir) / UNLABELLED_DIR).glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        doc_id = f"unlabelled:{path.stem}"
        for i, s in enumerate(segment(text)):
            paragraph = text.count("\n\n", 0, s.start)
            records.append({"doc_id": doc_id, "sent_id": i, "text": s.text, "start": s.start, "end": s.end,
                            "role": None, "stance": None, "risk": None, "source": "unlabelled",
                            "paragraph": paragraph, "section": f"{doc_id}#{paragraph}"})
    return with_neighbours(records)


def with_soft_targets(records: Records, teacher: Teacher) -> Records:
    """Copies of ``records`` carrying the teacher's probabilities per head (``soft``)."""
    from argmine.models.labeler import record_input

    if not records:
        return []
    items = [record_input(r) for r in records]
    # The teacher's own distributions (temperature 1): shipped calibration temperatures
    # must not change what a student learns; the distillation temperature softens them.
    logits = getattr(teacher, "logits", None)
    probs = {h: np.exp(v) for h, v in logits(items).items()} if logits else teacher.predict_proba(items)
    return [{**r, "soft": {head: probs[head][i].tolist() for head in probs}} for i, r in enumerate(records)]
