"""Per-head classification reports: macro-F1, per-class P/R/F1, confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from argmine.models.scheme import HEADS, risk_name


def gold(records: Sequence[dict[str, Any]], head: str) -> list[str]:
    if head == "risk":
        return [risk_name(bool(r["risk"])) for r in records]
    return [r[head] for r in records]


def head_report(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    # Imported here: the service imports ``gold`` from this module, and sklearn costs seconds of start-up.
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    # Macro-F1 over the labels present in the gold data: a class absent from a test
    # fold would otherwise count as a zero and punish every model alike.
    present = [label for label in labels if label in set(truth)]
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=list(labels), zero_division=0)
    return {
        "macro_f1": float(f1_score(truth, predicted, labels=present, average="macro", zero_division=0)) if present else 0.0,
        "accuracy": float(np.mean([a == b for a, b in zip(truth, predicted)])) if truth else 0.0,
        "per_class": {label: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
                      for i, label in enumerate(labels)},
        "confusion": {"labels": list(labels), "matrix": confusion_matrix(truth, predicted, labels=list(labels)).tolist()},
    }


def report(records: Sequence[dict[str, Any]], predictions: dict[str, Sequence[str]]) -> dict[str, Any]:
    """A report per head for predicted label names aligned with ``records``."""
    out: dict[str, Any] = {"n": len(records)}
    for head, labels in HEADS.items():
        out[head] = head_report(gold(records, head), list(predictions[head]), labels)
    return out


def predictions_from_proba(probs: dict[str, np.ndarray]) -> dict[str, list[str]]:
    return {head: [HEADS[head][i] for i in probs[head].argmax(1)] for head in HEADS}


def report_by_source(records: Sequence[dict[str, Any]], predictions: dict[str, Sequence[str]]) -> dict[str, Any]:
    """Reports on all records (``"all"``) and on each source apart: real text never mixes with authored."""
    out = {"all": report(records, predictions)}
    for source in sorted({r["source"] for r in records}):
        index = [i for i, r in enumerate(records) if r["source"] == source]
        out[source] = report([records[i] for i in index], {h: [v[i] for i in index] for h, v in predictions.items()})
    return out
