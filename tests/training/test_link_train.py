from pathlib import Path

import pytest

from argmine.models.links import LinkModel
from argmine.training.config import TrainConfig
from argmine.training.train import train

TINY = {"max_steps": 1, "epochs": 1, "batch_size": 8, "device": "cpu"}


@pytest.mark.slow
def test_argmine_train_saves_a_link_model_beside_the_sentence_model(tiny_linked_corpus: Path, tmp_path: Path):
    result = train(TrainConfig(**TINY), tiny_linked_corpus, tmp_path / "model", progress=False)
    model = LinkModel.load(result.path / "links")
    assert model.n_training_links_ == 3 and model.window_ >= 1


@pytest.mark.slow
def test_a_corpus_without_links_gives_no_link_model(tiny_corpus: Path, tmp_path: Path):
    result = train(TrainConfig(**TINY), tiny_corpus, tmp_path / "model", progress=False)
    assert not (result.path / "links").exists()


@pytest.mark.slow
def test_argmine_train_adds_stored_links_to_the_link_model(tiny_linked_corpus: Path, tmp_path: Path):
    from tests.training.test_link_train_stored_links import ANNOTATIONS, SENTENCES, _link

    links = [_link(SENTENCES[1][0], SENTENCES[0][0], "support"), _link(SENTENCES[2][0], SENTENCES[0][0], "attack")]
    result = train(TrainConfig(**TINY), tiny_linked_corpus, tmp_path / "model", extra=ANNOTATIONS, progress=False,
                   extra_links=links)
    assert result.links == {"roles": "the sentence model's own roles", "source_weights": {"authored": 0.7, "user": 1.75},
                            "corpus_links": 3, "stored_links": 2, "stored_documents": 1, "stored_links_skipped": {}}
    assert LinkModel.load(result.path / "links").n_training_links_ == 5
    # Without "user" among the sources, stored links are left out as stored annotations are.
    alone = train(TrainConfig(**TINY, sources=("seed", "authored")), tiny_linked_corpus, tmp_path / "corpus-only",
                  extra=ANNOTATIONS, progress=False, extra_links=links)
    assert alone.links is not None and alone.links["stored_links"] == 0


@pytest.mark.slow
def test_a_recipes_link_roles_from_teaches_the_link_model_out_of_fold_roles(tiny_linked_corpus: Path, tmp_path: Path):
    from tests.training.test_link_train_stored_links import _predictions

    predictions = _predictions(tmp_path / "oof.jsonl", tiny_linked_corpus)
    result = train(TrainConfig(**TINY, link_roles_from=str(predictions)), tiny_linked_corpus, tmp_path / "model",
                   progress=False)
    assert result.links is not None and result.links["roles"].startswith("out-of-fold roles of finetuned (oof.jsonl)")


def test_a_missing_link_roles_from_fails_before_any_training(tiny_linked_corpus: Path, tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="no-such.jsonl does not exist"):
        train(TrainConfig(**TINY, link_roles_from="runs/no-such.jsonl"), tiny_linked_corpus, tmp_path / "model",
              progress=False)
    assert not (tmp_path / "model").exists()
