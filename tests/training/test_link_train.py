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
