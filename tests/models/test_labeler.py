import json
from pathlib import Path

import numpy as np
import pytest

from argmine.models.artifacts import ModelFormatError
from argmine.models.inference import InferenceSettings, plan_batches
from argmine.models.labeler import NotFittedError, SentenceLabeler
from argmine.models.scheme import HEADS
from argmine.training.corpus import load_corpus

TEXTS = ["Citizens can now petition parliament directly.", "In 2009 Kazakhstan ranked 73rd of 134 countries.",
         "Hackers threaten the integrity of online voting.", "INTRODUCTION", "Surveillance of users is a growing risk."]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> tuple[SentenceLabeler, Path]:
    from tests.conftest import write_corpus

    corpus = write_corpus(tmp_path_factory.mktemp("corpus"))
    records = load_corpus(corpus)
    labeler = SentenceLabeler(epochs=1, max_steps=2, batch_size=4, device="cpu").fit(records[:6], records[6:], progress=False)
    path = labeler.save(tmp_path_factory.mktemp("model") / "tiny", training={"version": "tiny-1"}, metrics={})
    return labeler, path


def test_predict_before_fit_raises_a_clear_error():
    with pytest.raises(NotFittedError, match="not fitted"):
        SentenceLabeler().predict(["text"])


def test_fit_returns_self_and_records_history(tiny_model):
    labeler, _ = tiny_model
    assert labeler.history_ and labeler.history_[0]["epoch"] == 1
    assert "dev_mean_macro_f1" in labeler.history_[0]


def test_predict_returns_one_record_per_text_with_every_probability(tiny_model):
    labeler, _ = tiny_model
    out = labeler.predict(TEXTS)
    assert len(out) == len(TEXTS)
    for labels in out:
        for head, names in HEADS.items():
            assert list(labels.probabilities[head]) == list(names)
            assert sum(labels.probabilities[head].values()) == pytest.approx(1.0, abs=1e-4)
        assert labels.role in HEADS["role"] and labels.stance in HEADS["stance"] and isinstance(labels.risk, bool)
        assert 0.0 <= labels.uncertainty <= 1.0
    assert labeler.predict([]) == []


def test_results_come_back_in_input_order_whatever_the_batching(tiny_model):
    labeler, _ = tiny_model
    texts = TEXTS * 7
    whole = labeler.predict_proba(texts)
    single = [labeler.predict_proba([t]) for t in texts]
    # bf16 (chosen by precision="auto" where the CPU computes it natively) rounds
    # differently with the padding of each batch; fp32 agrees to 1e-4.
    atol = 2e-2 if labeler._engine().bf16 else 1e-4
    for head in HEADS:
        np.testing.assert_allclose(whole[head], np.concatenate([s[head] for s in single]), atol=atol)


def test_save_load_round_trip_gives_the_same_predictions(tiny_model):
    labeler, path = tiny_model
    assert {p.name for p in path.iterdir()} >= {"weights.safetensors", "config.json", "training.json",
                                              "metrics.json", "README.md"}
    loaded = SentenceLabeler.load(path)
    assert loaded.version == "tiny-1"
    for head in HEADS:
        np.testing.assert_allclose(labeler.predict_proba(TEXTS)[head], loaded.predict_proba(TEXTS)[head], atol=1e-6)


def test_saved_weights_hold_only_what_differs_from_the_base(tiny_model):
    _, path = tiny_model
    size = (path / "weights.safetensors").stat().st_size
    assert size < 25 * 1024 * 1024
    assert not list(path.glob("*.bin")) and not list(path.glob("*.pkl"))


@pytest.mark.parametrize("field, value, message", [
    ("format_version", 99, "format version 99 is not supported"),
    ("labels", {"role": ["claim", "none"]}, "label scheme"),
    ("base_model", {"name": "bert-base-uncased", "version": "1.0"}, "installed base encoder"),
])
def test_load_refuses_unknown_formats_with_a_reason(tiny_model, tmp_path, field, value, message):
    import shutil

    _, path = tiny_model
    copy = tmp_path / "copy"
    shutil.copytree(path, copy)
    config = json.loads((copy / "config.json").read_text())
    config[field] = value
    (copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFormatError, match=message):
        SentenceLabeler.load(copy)


def test_load_refuses_a_directory_without_a_model(tmp_path):
    with pytest.raises(ModelFormatError, match="config.json is missing"):
        SentenceLabeler.load(tmp_path)


def test_batches_respect_the_token_budget_and_cover_every_input():
    lengths = [5, 50, 7, 120, 9, 60, 3, 3, 3]
    batches = plan_batches(lengths, batch_tokens=128, max_batch=3)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= 3
        assert len(batch) == 1 or max(lengths[i] for i in batch) * len(batch) <= 128


def test_bf16_setting_is_explicit(tiny_model):
    _, path = tiny_model
    assert SentenceLabeler.load(path, InferenceSettings(precision="fp32"))._engine().bf16 is False
    assert SentenceLabeler.load(path, InferenceSettings(precision="bf16"))._engine().bf16 is True


def test_training_through_cached_frozen_layers_computes_the_same_function(tiny_model):
    import torch

    labeler, _ = tiny_model
    network = labeler.network_.eval()
    batch = labeler.tokenizer_(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        direct = network(batch["input_ids"], batch["attention_mask"])
        prefix = network.frozen_prefix(batch["input_ids"], batch["attention_mask"])
        cached = network(None, batch["attention_mask"], prefix=prefix)
    for head in HEADS:
        torch.testing.assert_close(direct[head], cached[head], atol=1e-5, rtol=1e-5)


def test_small_calls_are_not_padded_to_their_longest_sentence():
    lengths = [10] * 20 + [60] * 20
    batches = plan_batches(lengths, batch_tokens=100_000, max_batch=256)
    assert len(batches) == 2
    assert {lengths[i] for i in batches[0]} == {10}


def test_link_vectors_come_from_the_labelling_forward_pass(tiny_model, monkeypatch):
    from argmine.models.context import in_context
    from argmine.models.inference import Engine
    from argmine.models.sentence_vectors import LabelerVectors

    _, path = tiny_model
    labeler = SentenceLabeler.load(path)
    assert labeler.vector_identity.model_version == "tiny-1" and labeler.vector_identity.dim == 384
    forwards: list[int] = []
    run = Engine.run
    monkeypatch.setattr(Engine, "run", lambda self, encoded, vectors: forwards.append(len(encoded))
                        or run(self, encoded, vectors))
    labels = labeler.predict(in_context(TEXTS))  # one document, each sentence beside its neighbours
    assert forwards == [len(TEXTS)]
    vectors = LabelerVectors(labeler)(TEXTS)
    assert forwards == [len(TEXTS)], "linking what was just labelled runs no second encoder pass"
    assert vectors.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)

    # Sentences it has not labelled are encoded in the context of the document given: the same vectors.
    fresh = SentenceLabeler.load(path)
    assert np.allclose(fresh.sentence_vectors(TEXTS), vectors, atol=1e-4)
    assert forwards == [len(TEXTS), len(TEXTS)]
    assert [l.role for l in fresh.predict(in_context(TEXTS))] == [l.role for l in labels]
