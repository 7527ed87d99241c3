"""Corpus counts and agreement between the people who annotated through the service.

Counts cover the corpus on disk (by its ``source``) and the stored annotations
(source ``user``, the name training gives them). Agreement looks only at stored
annotations: a sentence is the same sentence when its normalised text is (the
store's own notion, so line breaks do not split it); an annotator who labelled a
sentence more than once counts with their latest labels, so a correction replaces
what it corrects. Kappa itself is ``training.agreement.agreement``, the same code
``argmine annotations agreement`` runs on two passes over the corpus.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import combinations
from typing import Any

from argmine.models.scheme import HEADS, risk_name
from argmine.service.store import text_key
from argmine.training.agreement import agreement

UNNAMED = "(unnamed)"
USER_SOURCE = "user"


def _labels(record: dict[str, Any]) -> dict[str, str]:
    return {"role": record["role"], "stance": record["stance"], "risk": risk_name(bool(record["risk"]))}


def count(corpus: Iterable[dict[str, Any]], stored: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Sentences per label (per dimension), per source and per annotator."""
    by_label: dict[str, Counter[str]] = {head: Counter({label: 0 for label in labels}) for head, labels in HEADS.items()}
    by_source: Counter[str] = Counter()
    by_annotator: Counter[str] = Counter()
    for record, source in [(r, r.get("source") or "corpus") for r in corpus] + [(a, USER_SOURCE) for a in stored]:
        for head, label in _labels(record).items():
            by_label[head][label] += 1
        by_source[source] += 1
        if source == USER_SOURCE:
            by_annotator[record.get("annotator") or UNNAMED] += 1
    return {"total": sum(by_source.values()), "by_label": {h: dict(c) for h, c in by_label.items()},
            "by_source": dict(by_source.most_common()), "by_annotator": dict(by_annotator.most_common())}


def latest_by_sentence(stored: Iterable[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """sentence key -> annotator -> that annotator's latest annotation (highest id). Unnamed ones are left out."""
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for a in sorted(stored, key=lambda a: a["id"]):
        if a.get("annotator"):
            out[text_key(a["text"])][a["annotator"]] = a
    return out


def compare(stored: Iterable[dict[str, Any]], max_disagreements: int = 500) -> dict[str, Any]:
    """Kappa per dimension for every pair of annotators, and the sentences they label differently."""
    sentences = {k: v for k, v in latest_by_sentence(stored).items() if len(v) >= 2}
    annotators = sorted({name for by in sentences.values() for name in by})
    pairs = []
    for first, second in combinations(annotators, 2):
        shared = [by for by in sentences.values() if first in by and second in by]
        if not shared:
            continue
        result = agreement([by[first] for by in shared], [by[second] for by in shared])
        pairs.append({"first": first, "second": second, "n": result["n"],
                      **{head: result[head] for head in HEADS}})
    disagreements = []
    for by in sentences.values():
        labels = {name: _labels(a) for name, a in sorted(by.items())}
        differ = [head for head in HEADS if len({lab[head] for lab in labels.values()}) > 1]
        if differ:
            any_one = next(iter(by.values()))
            disagreements.append({"text": any_one["text"], "doc_id": any_one.get("doc_id"),
                                  "start": any_one.get("start"), "end": any_one.get("end"), "dimensions": differ,
                                  "labels": [{"annotator": name, **lab} for name, lab in labels.items()]})
    disagreements.sort(key=lambda d: (d["doc_id"] or "", d["start"] if d["start"] is not None else -1, d["text"]))
    return {"sentences": len(sentences), "annotators": annotators, "pairs": pairs,
            "disagreements": disagreements[:max_disagreements], "disagreements_total": len(disagreements)}
