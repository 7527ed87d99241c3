"""The inference encoder without transformers (models/bert.py, models/tokenizer.py) is the same model."""

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from argmine.models.bert import LightBert
from argmine.models.context import in_context
from argmine.models.encoder import base_model_path
from argmine.models.inference import InferenceSettings
from argmine.models.labeler import SentenceLabeler
from argmine.models.network import SentenceClassifier
from argmine.models.paths import ANNOTATIONS_DIR, DEFAULT_MODEL_DIR
from argmine.models.tokenizer import FastTokenizer
from argmine.training.corpus import load_corpus


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [r["text"] for r in load_corpus(ANNOTATIONS_DIR)][:300]


def test_fast_tokenizer_gives_transformers_ids(texts):
    path = base_model_path("minilm")
    reference = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    fast = FastTokenizer.load(path)
    assert fast.pad_token_id == reference.pad_token_id
    assert fast(texts, add_special_tokens=False)["input_ids"] == reference(texts, add_special_tokens=False)["input_ids"]
    assert (fast(texts, add_special_tokens=False, truncation=True, max_length=9)["input_ids"]
            == reference(texts, add_special_tokens=False, truncation=True, max_length=9)["input_ids"])
    assert fast(texts, truncation=True, max_length=12)["input_ids"] == reference(texts, truncation=True,
                                                                                  max_length=12)["input_ids"]
    assert fast("a", "b")["input_ids"] == reference("a", "b")["input_ids"]


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_light_encoder_gives_the_transformers_probabilities(texts, precision):
    labeler = SentenceLabeler.load(DEFAULT_MODEL_DIR, inference=InferenceSettings(precision=precision))
    assert isinstance(labeler.network_.encoder, LightBert)
    items = in_context(texts[:120])
    light = labeler.predict_proba(items)
    reference = SentenceClassifier(labeler.trainable_layers, labeler.dropout, base=labeler.base,
                                   lora_rank=labeler.lora_rank, lora_alpha=labeler.lora_alpha)
    assert not isinstance(reference.encoder, LightBert)
    reference.load_delta(labeler.network_.delta_state_dict())
    labeler.network_, labeler.engine_ = reference.eval(), None
    expected = labeler.predict_proba(items)
    for head, p in expected.items():
        assert np.abs(light[head] - p).max() < 1e-4, head


def test_light_encoder_runs_the_frozen_prefix_as_the_full_pass():
    """Training's split forward (cached lower layers, then the rest) agrees with one pass."""
    network = SentenceClassifier(trainable_layers=2, light=True).eval()
    assert isinstance(network.encoder, LightBert)
    ids = torch.tensor([[101, 2023, 2003, 1037, 6251, 102], [101, 2460, 102, 0, 0, 0]])
    mask = (ids != 0).long()
    with torch.inference_mode():
        whole = network(ids, mask)
        split = network(None, mask, prefix=network.frozen_prefix(ids, mask))
    for head in whole:
        assert torch.allclose(whole[head], split[head], atol=1e-5)


def test_loaded_light_encoder_is_made_of_plain_torch_layers():
    """Tools that map layers by exact type (dynamic quantization, exporters) must find them."""
    network = SentenceClassifier(light=True)
    kinds = {type(m) for m in network.encoder.modules()}
    assert torch.nn.Linear in kinds and torch.nn.Embedding in kinds
    assert all(k.__module__.startswith("torch.") or k.__module__ == "argmine.models.bert" for k in kinds)
    assert not any(k.__name__.startswith("_") for k in kinds)
