"""Sentences read beside their neighbours: inputs, encoding, and the model's use of them."""

from __future__ import annotations

import numpy as np
import pytest
from transformers import AutoTokenizer

from argmine.models.context import InContext, grouped_in_context, in_context
from argmine.models.documents import model_inputs
from argmine.models.encoder import base_model_path
from argmine.models.inference import encode
from argmine.models.labeler import SentenceLabeler
from argmine.models.segment import Sentence
from argmine.training.corpus import load_corpus


def test_in_context_gives_each_sentence_its_nearest_neighbours():
    items = in_context(["a", "b", "c", "d"], window=2)
    assert items[0] == InContext("a", (), ("b", "c"))
    assert items[2] == InContext("c", ("a", "b"), ("d",))
    assert items[2].parts(1) == ("b", "d") and items[2].parts(0) == ("", "")


def test_records_sharing_a_doc_id_are_read_together_in_file_order_and_the_rest_alone():
    items = grouped_in_context(["x1", "lone", "x2", "y1"], ["x", None, "x", "y"])
    assert items[0] == InContext("x1", (), ("x2",)) and items[2] == InContext("x2", ("x1",), ())
    assert items[1] == "lone"  # no doc_id: read alone, as before
    assert items[3] == InContext("y1", (), ())


def test_document_mode_reads_neighbours_within_a_document_only():
    doc = lambda *texts: [Sentence(0, len(t), t) for t in texts]  # noqa: E731
    items = model_inputs([doc("a1", "a2"), doc("b1")])
    assert items == [InContext("a1", (), ("a2",)), InContext("a2", ("a1",), ()), InContext("b1", (), ())]
    assert model_inputs([doc("s1"), doc("s2")], "sentence", [None, None]) == ["s1", "s2"]


def test_encoding_pools_over_the_sentence_and_keeps_it_whole_within_the_budget():
    tokenizer = AutoTokenizer.from_pretrained(str(base_model_path()), local_files_only=True)
    alone = tokenizer("Citizens petition parliament.")["input_ids"]
    (plain, pooled_plain), (paired, pooled) = encode(tokenizer, [
        "Citizens petition parliament.",
        InContext("Citizens petition parliament.", ("Before " * 50,), ("After " * 50,))], 40, window=1)
    assert plain == alone and pooled_plain == len(alone)  # read alone: exactly a sentence-transformer input
    assert paired[:pooled] == alone  # the sentence and its separator come first
    assert len(paired) == 40 and len(paired) > pooled  # neighbours fill the rest of the budget
    # A window of 0 ignores neighbours: the same input as a plain string.
    assert encode(tokenizer, [InContext("Citizens petition parliament.", ("x",), ("y",))], 40, 0)[0] == (alone, len(alone))


@pytest.fixture(scope="module")
def context_model(tmp_path_factory) -> SentenceLabeler:
    from tests.conftest import write_corpus

    records = load_corpus(write_corpus(tmp_path_factory.mktemp("corpus")))
    assert all("before" in r and "after" in r for r in records)
    return SentenceLabeler(context_window=1, trainable_layers=1, epochs=1, max_steps=2, batch_size=4,
                           device="cpu", precision="fp32").fit(records, progress=False)


def test_the_same_sentence_in_other_neighbours_reads_differently(context_model):
    sentence = "The portal changed nothing for most people."
    a = context_model.predict_proba([InContext(sentence, ("Hackers could manipulate online votes.",), ())])
    b = context_model.predict_proba([InContext(sentence, ("In 2023 the portal received 12,000 petitions.",),
                                               ("NGOs organise online.",))])
    assert any(not np.allclose(a[h], b[h], atol=1e-6) for h in a)
    alone = context_model.predict_proba([sentence])
    no_neighbours = context_model.predict_proba([InContext(sentence)])
    for head in alone:  # a sentence without neighbours is the sentence read alone
        np.testing.assert_allclose(alone[head], no_neighbours[head], atol=1e-6)


def test_a_context_model_saves_its_window_and_loads_it(context_model, tmp_path):
    path = context_model.save(tmp_path / "m", training={"version": "ctx-1"}, metrics={})
    loaded = SentenceLabeler.load(path)
    assert loaded.context_window == 1
    item = [InContext("Surveillance of users is a growing risk.", ("The portal changed nothing.",), ())]
    for head, p in context_model.predict_proba(item).items():
        np.testing.assert_allclose(loaded.predict_proba(item)[head], p, atol=2e-2 if loaded._engine().bf16 else 1e-5)


def test_links_eval_reads_a_saved_models_roles_in_context(context_model, tmp_path):
    from argmine.training.links_eval import labeler_role_model

    path = context_model.save(tmp_path / "m", training={"version": "ctx-roles"}, metrics={})
    role_model, _ = labeler_role_model(path)
    sentence = "The portal changed nothing for most people."
    record = {"text": sentence, "before": ["Hackers could manipulate online votes."], "after": []}
    proba = role_model([])([record, {"text": sentence}])
    expected = context_model.predict_proba([InContext(sentence, tuple(record["before"]), ()), sentence])
    for head in ("role", "stance"):
        np.testing.assert_allclose(proba[head], expected[head], atol=1e-5)
    assert not np.allclose(proba["role"][0], proba["role"][1], atol=1e-6)


def test_link_vectors_of_a_sentence_are_those_of_its_own_neighbours(context_model, tmp_path):
    from argmine.models.context import in_context

    path = context_model.save(tmp_path / "m", training={"version": "ctx-vectors"}, metrics={})
    labeler = SentenceLabeler.load(path)
    shared = "The portal changed nothing for most people."
    doc_a = ["Hackers could manipulate online votes.", shared, "Turnout fell."]
    doc_b = ["In 2023 the portal received 12,000 petitions.", shared, "NGOs organise online."]
    labeler.predict(in_context(doc_a))  # keeps doc A's vectors, the shared sentence's among them
    in_b = labeler.sentence_vectors(doc_b)
    expected = SentenceLabeler.load(path).sentence_vectors(doc_b)
    np.testing.assert_allclose(in_b, expected, atol=1e-4)
    assert not np.allclose(in_b[1], labeler.sentence_vectors(doc_a)[1], atol=1e-4)
