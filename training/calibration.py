"""Calibration: does a probability of 0.8 come true eight times in ten?

Expected calibration error (ECE, 15 equal-width bins over the top probability),
one softmax temperature per head fitted by likelihood on held-out predictions,
and whether ``uncertainty`` (which steers the suggestion queue) finds the errors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

TEMPERATURES = np.round(np.arange(0.5, 4.01, 0.05), 2)


def ece(probs: np.ndarray, truth: np.ndarray, bins: int = 15) -> float:
    if len(truth) == 0:
        return 0.0
    confidence = probs.max(1)
    correct = probs.argmax(1) == truth
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(total)


def with_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    logits = np.log(np.clip(probs, 1e-12, 1)) / temperature
    logits -= logits.max(1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(1, keepdims=True)


def nll(probs: np.ndarray, truth: np.ndarray) -> float:
    return float(-np.log(np.clip(probs[np.arange(len(truth)), truth], 1e-12, 1)).mean())


def fit_temperature(probs: np.ndarray, truth: np.ndarray) -> float:
    """The temperature (grid 0.5-4.0) that minimises negative log-likelihood."""
    if len(truth) == 0:
        return 1.0
    losses = [nll(with_temperature(probs, t), truth) for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


def cross_fitted(probs: np.ndarray, truth: np.ndarray, folds: Sequence[int]) -> tuple[np.ndarray, list[float]]:
    """Each fold's probabilities rescaled by a temperature fitted on the other folds only."""
    folds = np.asarray(folds)
    out = probs.copy()
    temperatures = []
    for fold in np.unique(folds):
        test = folds == fold
        t = fit_temperature(probs[~test], truth[~test])
        temperatures.append(t)
        out[test] = with_temperature(probs[test], t)
    return out, temperatures


def uncertain_error_rates(uncertainty: np.ndarray, wrong: np.ndarray, share: float = 0.2) -> dict[str, float]:
    """Error rate (any head wrong) among the ``share`` most uncertain sentences and among the rest."""
    if len(wrong) == 0:
        return {"top": 0.0, "rest": 0.0, "share": share}
    cut = max(1, int(round(share * len(wrong))))
    order = np.argsort(-uncertainty, kind="stable")
    top, rest = order[:cut], order[cut:]
    return {"top": float(wrong[top].mean()), "rest": float(wrong[rest].mean()) if len(rest) else 0.0,
            "share": share, "n_top": int(len(top)), "n_rest": int(len(rest))}


def normalised_entropy(probs: np.ndarray) -> np.ndarray:
    p = np.clip(probs, 1e-12, 1)
    return -(p * np.log(p)).sum(1) / np.log(probs.shape[1])
