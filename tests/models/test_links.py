import json
from pathlib import Path

import numpy as np
import pytest

from argmine.models.link_features import LinkDocument, documents_from_records, feature_names, pair_features
from argmine.models.links import (Link, LinkModel, LinkModelError, NotFittedError, NoVectorsError, ScoredPairs,
                                  VectorMismatchError, decode, link_f1, window_coverage)
from argmine.models.sentence_vectors import LabelerVectors
from argmine.training.corpus import load_corpus, load_links
from tests.fakes import FakeLabeler
from tests.link_corpus import write_link_corpus

VECTORS = LabelerVectors(FakeLabeler())


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = write_link_corpus(tmp_path_factory.mktemp("links") / "annotations", n_docs=12)
    docs = documents_from_records(load_corpus(root))
    return docs, load_links(root)


@pytest.fixture(scope="module")
def split(generated):
    docs, links = generated
    train, test = docs[:8], docs[8:]
    names = {d.doc_id for d in train}
    return (train, [l for l in links if l["doc_id"] in names],
            test, [l for l in links if l["doc_id"] not in names])


@pytest.fixture(scope="module")
def fitted(split):
    train, train_links, _, _ = split
    return LinkModel(vectors=VECTORS).fit(train, train_links)


def _doc(roles: list[str], paragraphs: list[int] | None = None) -> LinkDocument:
    from argmine.models.scheme import ROLES

    n = len(roles)
    role = np.zeros((n, 3), dtype=np.float32)
    role[np.arange(n), [ROLES.index(r) for r in roles]] = 1
    stance = np.zeros((n, 4), dtype=np.float32)
    stance[:, 3] = 1
    return LinkDocument("d", tuple(range(10, 10 + n)), tuple(f"Sentence {k}." for k in range(n)),
                        tuple(paragraphs or [0] * n), role, stance)


def test_window_is_the_smallest_keeping_the_asked_share_of_gold_links(split, fitted):
    train, train_links, _, _ = split
    coverage = window_coverage(train, train_links, fitted.max_window)
    assert coverage[fitted.window_] >= fitted.coverage
    assert fitted.window_ == 1 or coverage[fitted.window_ - 1] < fitted.coverage


def test_model_finds_held_out_links_and_their_type(split, fitted):
    _, _, test, test_links = split
    predicted = fitted.predict(test)
    assert link_f1(predicted, test_links)["f1"] >= 0.7
    attacks = {(l["doc_id"], l["source"]) for l in test_links if l["type"] == "attack"}
    assert attacks, "the generated corpus has attacks"
    found = [l for l in predicted if (l.doc_id, l.source) in attacks]
    assert found and sum(l.type == "attack" for l in found) >= 0.7 * len(found)
    assert link_f1(predicted, test_links, typed=True)["f1"] >= 0.6


def test_each_sentence_gets_at_most_one_target_and_role_none_takes_no_link(split, fitted):
    _, _, test, _ = split
    predicted = fitted.predict(test)
    assert len({(l.doc_id, l.source) for l in predicted}) == len(predicted)
    none = {(d.doc_id, s) for d in test for s, row in zip(d.sent_ids, d.role_proba) if row.argmax() == 2}
    for l in predicted:
        assert l.source != l.target
        assert (l.doc_id, l.source) not in none and (l.doc_id, l.target) not in none
        assert 0.0 <= l.probability <= 1.0 and l.type in ("support", "attack")


def test_threshold_is_tuned_unless_given(split, fitted):
    train, train_links, test, _ = split
    assert 0.0 < fitted.threshold_ < 1.0
    strict = LinkModel(threshold=1.01, vectors=VECTORS).fit(train, train_links)
    assert strict.threshold_ == 1.01 and strict.predict(test) == []


def test_save_and_load_give_the_same_links_and_no_pickle(split, fitted, tmp_path: Path):
    _, _, test, _ = split
    fitted.save(tmp_path / "links")
    assert sorted(p.name for p in (tmp_path / "links").iterdir()) == ["config.json", "links.safetensors"]
    loaded = LinkModel.load(tmp_path / "links", vectors=VECTORS)
    assert loaded.predict(test) == fitted.predict(test)
    config = json.loads((tmp_path / "links" / "config.json").read_text())
    assert config["window"] == fitted.window_ and config["threshold"] == fitted.threshold_
    assert config["vectors"] == {"model_version": "fake-1", "dim": FakeLabeler.VECTOR_DIM}


def test_load_refuses_the_vectors_of_another_sentence_model(split, fitted, tmp_path: Path):
    _, _, test, _ = split
    fitted.save(tmp_path / "links")
    other = FakeLabeler()
    other.version = "fake-2"  # a retrained sentence model: its pooled vectors mean something else
    with pytest.raises(VectorMismatchError, match="'fake-1'.*'fake-2'.*argmine links train"):
        LinkModel.load(tmp_path / "links", vectors=LabelerVectors(other))
    unbound = LinkModel.load(tmp_path / "links")
    with pytest.raises(NoVectorsError):
        unbound.predict(test)
    with pytest.raises(VectorMismatchError):
        unbound.use(LabelerVectors(other))
    assert unbound.use(VECTORS).predict(test) == fitted.predict(test)


def test_fit_needs_the_vectors_it_will_read():
    with pytest.raises(NoVectorsError, match="vectors"):
        LinkModel().fit([_doc(["claim", "premise"])], [{"doc_id": "d", "source": 11, "target": 10, "type": "support"}])


@pytest.mark.parametrize("key, value", [("format_version", 99), ("markers", ["because"]), ("types", ["attack"])])
def test_load_refuses_a_model_it_cannot_read_faithfully(fitted, tmp_path: Path, key, value):
    fitted.save(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config[key] = value
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(LinkModelError, match=key):
        LinkModel.load(tmp_path, vectors=VECTORS)


def test_load_names_the_missing_file(tmp_path: Path):
    with pytest.raises(LinkModelError, match="config.json is missing"):
        LinkModel.load(tmp_path)


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError):
        LinkModel().predict([_doc(["claim", "premise"])])


def test_fit_without_links_raises():
    with pytest.raises(LinkModelError, match="at least one gold link"):
        LinkModel().fit([_doc(["claim", "premise"])], [])


def test_decoder_keeps_the_best_target_per_source_above_the_threshold():
    doc = _doc(["claim", "premise", "premise", "claim"])
    pairs = [(1, 0), (1, 3), (2, 0), (2, 3), (3, 0)]
    scored = ScoredPairs(doc, pairs, np.array([0.6, 0.9, 0.3, 0.2, 0.55]), np.array([0.1, 0.8, 0.0, 0.0, 0.1]))
    assert decode(scored, 0.5) == [Link("d", 11, 13, "attack", 0.9), Link("d", 13, 10, "support", 0.55)]
    assert decode(scored, 0.95) == []


def test_decoder_never_links_two_sentences_both_ways():
    doc = _doc(["claim", "claim", "premise"])
    pairs = [(0, 1), (1, 0), (1, 2), (2, 1)]
    scored = ScoredPairs(doc, pairs, np.array([0.9, 0.8, 0.7, 0.4]), np.zeros(4))
    # 1 -> 0 would answer 0 -> 1: sentence 1 takes its next target above the threshold, 2.
    assert [(l.source, l.target) for l in decode(scored, 0.5)] == [(10, 11), (11, 12)]
    assert [(l.source, l.target) for l in decode(scored, 0.75)] == [(10, 11)]


def test_link_f1_counts_exact_pairs_and_types():
    gold = [{"doc_id": "d", "source": 1, "target": 0, "type": "support"},
            {"doc_id": "d", "source": 2, "target": 0, "type": "attack"}]
    predicted = [Link("d", 1, 0, "support", 1.0), Link("d", 2, 0, "support", 1.0), Link("d", 3, 0, "support", 1.0)]
    assert link_f1(predicted, gold)["f1"] == pytest.approx(2 * (2 / 3) * 1.0 / (2 / 3 + 1.0))
    assert link_f1(predicted, gold, typed=True)["correct"] == 1
    assert link_f1([], gold)["f1"] == 0.0


def test_weighted_link_f1_counts_each_link_at_its_documents_weight():
    gold = [{"doc_id": "real", "source": 1, "target": 0, "type": "support"},
            {"doc_id": "authored", "source": 1, "target": 0, "type": "support"}]
    predicted = [Link("real", 1, 0, "support", 1.0), Link("authored", 2, 0, "support", 1.0)]
    weighted = link_f1(predicted, gold, weights={"real": 3.0})  # "authored" counts 1
    assert weighted["precision"] == weighted["recall"] == pytest.approx(3 / 4)
    assert link_f1(predicted, gold)["precision"] == 0.5 and weighted["correct"] == 1


def test_document_weights_change_what_the_model_learns(split, fitted):
    train, train_links, _, _ = split
    same = LinkModel(vectors=VECTORS).fit(train, train_links, {d.doc_id: 2.0 for d in train})
    np.testing.assert_allclose(same.link_coef_, fitted.link_coef_, rtol=1e-3, atol=1e-4)  # uniform: no change
    one = LinkModel(vectors=VECTORS).fit(train, train_links, {train[0].doc_id: 50.0})
    assert not np.allclose(one.link_coef_, fitted.link_coef_, atol=1e-3)


def test_pair_features_match_their_names_and_mark_distance_and_paragraph():
    doc = _doc(["claim", "premise", "claim"], paragraphs=[0, 0, 1])
    vectors = np.eye(3, 8, dtype=np.float32)
    pairs = [(1, 0), (1, 2)]
    X = pair_features(doc, vectors, pairs, window=2, embedding="none")
    names = feature_names(2, "none", 8)
    assert X.shape == (2, len(names))
    column = {n: k for k, n in enumerate(names)}
    assert X[0, column["dist_-1"]] == 1 and X[1, column["dist_+1"]] == 1
    assert X[0, column["same_paragraph"]] == 1 and X[1, column["same_paragraph"]] == 0
    assert X[0, column["tgt_nearest_claim_before"]] == 1 and X[1, column["tgt_nearest_claim_after"]] == 1
    assert X[:, column["premise_to_claim"]].tolist() == [1, 1]


def test_the_candidate_rule_is_chosen_on_inner_folds_when_not_given(split, tmp_path: Path):
    from argmine.models.links import NONE_MAX_GRID

    train, train_links, test, _ = split
    # Soft, noisy roles, as a sentence model gives them: the rule that keeps arguing sentences matters.
    rng = np.random.default_rng(0)
    noisy = [d.with_probabilities(0.6 * d.role_proba + 0.4 * rng.dirichlet([1, 1, 1], len(d)), d.stance_proba)
             for d in train]
    model = LinkModel(none_max=None, vectors=VECTORS).fit(noisy, train_links)
    assert model.none_max_ in NONE_MAX_GRID
    model.save(tmp_path / "links")
    config = json.loads((tmp_path / "links" / "config.json").read_text())
    assert config["none_max"] == model.none_max_ and config["settings"]["none_max"] is None
    loaded = LinkModel.load(tmp_path / "links", vectors=VECTORS)
    assert loaded.none_max_ == model.none_max_ and loaded.predict(test) == model.predict(test)


def test_candidates_stay_in_the_source_paragraph_unless_asked_otherwise():
    from argmine.models.link_features import candidate_pairs

    doc = _doc(["claim", "premise", "claim", "premise"], paragraphs=[0, 0, 1, 1])
    assert candidate_pairs(doc, window=3, same_paragraph=True) == [(0, 1), (1, 0), (2, 3), (3, 2)]
    assert (1, 2) in candidate_pairs(doc, window=3) and (3, 0) in candidate_pairs(doc, window=3)
    one_paragraph = _doc(["claim", "premise", "claim"])  # plain text without blank lines: nothing is cut
    assert candidate_pairs(one_paragraph, 2, same_paragraph=True) == candidate_pairs(one_paragraph, 2)


def test_a_model_saved_before_paragraph_candidates_keeps_linking_across_paragraphs(fitted, tmp_path: Path):
    fitted.save(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["settings"]["same_paragraph"] is True
    del config["settings"]["same_paragraph"]
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert LinkModel.load(tmp_path, vectors=VECTORS).same_paragraph is False


def test_regularisation_is_chosen_on_inner_folds_when_not_given(split, fitted, tmp_path: Path, monkeypatch):
    from argmine.models.links import C_GRID

    train, train_links, test, _ = split
    assert fitted.C is None and fitted.C_ in C_GRID
    fitted.save(tmp_path / "links")
    config = json.loads((tmp_path / "links" / "config.json").read_text())
    assert config["C"] == fitted.C_ and config["settings"]["C"] is None
    assert LinkModel.load(tmp_path / "links", vectors=VECTORS).C_ == fitted.C_
    del config["C"]  # saved before the grid: its C was a setting
    config["settings"]["C"] = 0.05
    (tmp_path / "links" / "config.json").write_text(json.dumps(config))
    assert LinkModel.load(tmp_path / "links", vectors=VECTORS).C_ == 0.05

    strong, weak = (LinkModel(C=C, vectors=VECTORS).fit(train, train_links) for C in (0.001, 1.0))
    assert (strong.C_, weak.C_) == (0.001, 1.0)
    assert np.linalg.norm(strong.link_coef_) < np.linalg.norm(weak.link_coef_)

    # The grid value whose out-of-fold F1 is best wins (here made to be 0.01).
    monkeypatch.setattr(LinkModel, "_tune_threshold",
                        lambda self, docs, links, X, y, groups, w, weight_of, C, threshold=None: (0.5, float(C == 0.01)))
    assert LinkModel(vectors=VECTORS).fit(train, train_links).C_ == 0.01
