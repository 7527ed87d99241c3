"""Splits by paragraph ("section"), never by sentence, so neighbours never leak."""

from __future__ import annotations

import hashlib
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
