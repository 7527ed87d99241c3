"""Out-of-fold predictions written by ``argmine eval --predictions``, read back.

One JSONL row per system, mode and tested sentence, with the probabilities a
sentence model gave it in the fold that held it out (``evaluate.prediction_rows``).
What no model saw the labels of: ``argmine links eval --roles-from`` measures links
with these roles, and ``argmine links train --roles-from`` teaches the link model the
role errors it will meet.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from argmine.models.scheme import ROLES, STANCES

Key = tuple[str, int]  # (doc_id, sent_id)
# head -> label -> probability, and "text": the sentence the probabilities are of
Table = dict[Key, dict[str, Any]]


class PredictionsError(ValueError):
    """A predictions file that does not hold what is asked of it."""


def read_predictions(path: Path, system: str | None = None, mode: str = "seed") -> tuple[Table, str]:
    """The probabilities of one system in one mode by (doc_id, sent_id), and the system's name;
    ``system`` may be left out when the file holds one system with probabilities."""
    rows = _rows(path, mode)
    found = sorted({r["system"] for r in rows})
    if system is None:
        if len(found) != 1:
            raise PredictionsError(f"{path} holds {mode}-mode predictions of {found or 'no system'}; "
                                   "choose one with --roles-system")
        system = found[0]
    elif system not in found:
        raise PredictionsError(f"{path} holds no {mode}-mode predictions of {system!r}; it has {found}")
    return {(r["doc_id"], int(r["sent_id"])): {**r["probabilities"], "text": r.get("text")}
            for r in rows if r["system"] == system}, system


def read_folds(path: Path, mode: str = "seed") -> dict[Key, tuple[int, str | None]]:
    """The fold that tested each sentence, with the sentence's text, so that a later run can test
    on the same folds (``splits.folds_keeping``); the folds are the run's, whatever its systems."""
    rows = _rows(path, mode)
    if not rows:
        raise PredictionsError(f"{path} holds no {mode}-mode predictions")
    if any(not isinstance(r.get("fold"), int) for r in rows):
        raise PredictionsError(f"{path} has {mode}-mode rows without a fold: write it with `argmine eval --predictions`")
    return {(r["doc_id"], int(r["sent_id"])): (int(r["fold"]), r.get("text")) for r in rows}


def _rows(path: Path, mode: str) -> list[dict[str, Any]]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PredictionsError(f"cannot read predictions from {path}: {exc}") from exc
    return [r for r in rows if isinstance(r, dict) and r.get("mode") == mode]


def holds(table: Table, record: Mapping[str, Any]) -> bool:
    """Whether ``table`` predicts this sentence: its (doc_id, sent_id), and its text where the row
    names one (a sentence edited since the file was written is another sentence)."""
    row = table.get((record["doc_id"], record["sent_id"]))
    if row is None:
        return False
    return row.get("text") is None or "text" not in record or row["text"] == record["text"]


def role_probabilities(table: Table, records: Sequence[Mapping[str, Any]], source: Path | str = "the file") -> dict[str, np.ndarray]:
    """"role" and "stance" probability rows for ``records`` (columns as ``ROLES``, ``STANCES``)."""
    missing = [(r["doc_id"], r["sent_id"]) for r in records if not holds(table, r)]
    if missing:
        raise PredictionsError(f"{source} has no prediction for {len(missing)} sentence(s) (or one for another "
                               f"text), e.g. {missing[0]}: write it with `argmine eval --predictions` over this "
                               "corpus")
    return {head: np.array([[table[(r["doc_id"], r["sent_id"])][head][label] for label in labels] for r in records],
                           dtype=np.float32).reshape(len(records), len(labels))
            for head, labels in (("role", ROLES), ("stance", STANCES))}
