"""Both shipped models: named by --model, listed, self-describing; the accurate one needs its base."""

from __future__ import annotations

import json

import pytest

from argmine.batch.model import resolve_model
from argmine.models.artifacts import check_config
from argmine.models.encoder import BaseEncoderMissing
from argmine.models.labeler import SentenceLabeler
from argmine.models.paths import ACCURATE_MODEL_DIR, DEFAULT_MODEL_DIR, SHIPPED_MODELS


def test_shipped_models_resolve_by_name(tmp_path):
    assert resolve_model("default", tmp_path) == DEFAULT_MODEL_DIR
    assert resolve_model("accurate", tmp_path) == ACCURATE_MODEL_DIR


def test_the_accurate_model_is_small_self_describing_and_reads_context():
    config = json.loads((ACCURATE_MODEL_DIR / "config.json").read_text())
    check_config(config, ACCURATE_MODEL_DIR)
    assert config["base_model"]["key"] == "mpnet" and config["context_window"] >= 1 and config["lora_rank"] > 0
    assert sum(p.stat().st_size for p in ACCURATE_MODEL_DIR.iterdir()) < 60 * 1024 * 1024
    assert "macro-F1" in (ACCURATE_MODEL_DIR / "README.md").read_text()


def test_loading_the_accurate_model_without_its_base_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("ARGMINE_CACHE_DIR", str(tmp_path))  # an empty cache: mpnet not fetched here
    with pytest.raises(BaseEncoderMissing, match="argmine base fetch mpnet"):
        SentenceLabeler.load(SHIPPED_MODELS["accurate"])
