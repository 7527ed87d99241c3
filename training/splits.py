"""Splits by paragraph ("section"), never by sentence, so neighbours never leak."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold, GroupShuffleSplit

Records = list[dict[str, Any]]


def in_eval_split(section: str) -> bool:
    """The fixed evaluation split: ~20% of sections, chosen by a hash of their id.

    A hash, not a seeded shuffle, so the split of a section never changes when
    annotations are added, and models trained at different times compare fairly.
    """
    return int(hashlib.sha1(section.encode()).hexdigest(), 16) % 5 == 0


def eval_split(records: Records) -> tuple[Records, Records]:
    train = [r for r in records if not in_eval_split(r["section"])]
    held = [r for r in records if in_eval_split(r["section"])]
    return train, held


def dev_split(records: Records, fraction: float, seed: int) -> tuple[Records, Records]:
    groups = [r["section"] for r in records]
    if len(set(groups)) < 2:
        return records, []
    splitter = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    train_idx, dev_idx = next(splitter.split(np.zeros(len(records)), groups=groups))
    return [records[i] for i in train_idx], [records[i] for i in dev_idx]


def grouped_folds(records: Records, k: int, seed: int) -> list[tuple[list[int], list[int]]]:
    """K folds over sections, shuffled with ``seed``."""
    sections = sorted({r["section"] for r in records})
    rng = np.random.default_rng(seed)
    order = {s: i for i, s in enumerate(rng.permutation(sections))}
    groups = [order[r["section"]] for r in records]
    return [(list(a), list(b)) for a, b in GroupKFold(n_splits=k).split(np.zeros(len(records)), groups=groups)]


def folds_keeping(records: Records, earlier: Mapping[tuple[str, int], tuple[int, str | None]], k: int,
                  seed: int) -> list[tuple[list[int], list[int]]]:
    """K folds in which every section an earlier run tested keeps that run's fold, and sections it never
    saw (new documents) are dealt over the folds in a shuffled order: a change to the corpus is then
    measured on the same test sets, not on a reshuffle of every section.

    ``earlier`` maps (doc_id, sent_id) to the fold and text (``predictions.read_folds``); a section takes
    the most common fold of its sentences whose text is unchanged.
    """
    known: dict[str, Counter[int]] = {}
    for r in records:
        fold, text = earlier.get((r["doc_id"], r["sent_id"]), (None, None))
        if fold is not None and (text is None or text == r["text"]):
            if not 0 <= fold < k:
                raise ValueError(f"the earlier run has fold {fold}; it cannot be kept with {k} folds")
            known.setdefault(r["section"], Counter())[fold] += 1
    fold_of = {section: counts.most_common(1)[0][0] for section, counts in known.items()}
    new = sorted({r["section"] for r in records} - set(fold_of))
    for section, place in zip(new, np.random.default_rng(seed).permutation(len(new))):
        fold_of[section] = int(place) % k
    folds = [fold_of[r["section"]] for r in records]
    return [([i for i, f in enumerate(folds) if f != fold], [i for i, f in enumerate(folds) if f == fold])
            for fold in range(k)]
