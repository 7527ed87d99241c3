"""The shipped default model: present, loadable offline, labelling real text."""

import pytest

from argmine.models.inference import InferenceSettings
from argmine.models.labeler import SentenceLabeler
from argmine.models.paths import ANNOTATIONS_DIR, DEFAULT_MODEL_DIR
from argmine.training.corpus import load_corpus


@pytest.fixture(scope="module")
def sample() -> list[str]:
    """Every corpus sentence (999): a small sample makes the 99% bar a coin toss."""
    return [r["text"] for r in load_corpus(ANNOTATIONS_DIR)]


def test_default_model_ships_small_and_self_describing():
    files = {p.name for p in DEFAULT_MODEL_DIR.iterdir()}
    assert {"weights.safetensors", "config.json", "training.json", "metrics.json", "README.md"} <= files
    assert sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir()) < 25 * 1024 * 1024
    assert "macro-F1" in (DEFAULT_MODEL_DIR / "README.md").read_text()


def test_default_model_labels_text_offline():
    labeler = SentenceLabeler.load(DEFAULT_MODEL_DIR)
    out = labeler.predict(["In 2009 the Network Readiness Index ranked Kazakhstan 73rd of 134 countries.",
                           "INTRODUCTION"])
    assert out[0].role == "premise"
    assert out[1].role == "none"


def test_bf16_and_fp32_labels_agree_on_at_least_99_percent(sample):
    fp32 = SentenceLabeler.load(DEFAULT_MODEL_DIR, InferenceSettings(precision="fp32")).predict(sample)
    bf16 = SentenceLabeler.load(DEFAULT_MODEL_DIR, InferenceSettings(precision="bf16")).predict(sample)
    for head in ("role", "stance", "risk"):
        same = sum(getattr(a, head) == getattr(b, head) for a, b in zip(fp32, bf16))
        assert same / len(sample) >= 0.99, f"{head}: bf16 agrees with fp32 on {same}/{len(sample)}"
    all_three = sum(all(getattr(a, h) == getattr(b, h) for h in ("role", "stance", "risk")) for a, b in zip(fp32, bf16))
    assert all_three / len(sample) >= 0.99
