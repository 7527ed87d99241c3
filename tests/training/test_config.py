import pytest
from pydantic import ValidationError

from argmine.training.config import load_config


def test_defaults_work_without_a_file():
    config = load_config()
    assert config.seed == 13 and config.trainable_layers == 2


def test_file_then_overrides(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text("epochs: 3\nlearning_rate: 5.0e-5\n")
    config = load_config(path, ["epochs=5", "sources=[seed]"])
    assert config.epochs == 5 and config.learning_rate == 5e-5 and config.sources == ("seed",)


def test_unknown_keys_and_bad_values_are_refused(tmp_path):
    with pytest.raises(ValidationError, match="epoch"):
        load_config(None, ["epoch=3"])
    with pytest.raises(ValidationError):
        load_config(None, ["class_weighting=loud"])
    with pytest.raises(ValueError, match="key=value"):
        load_config(None, ["epochs"])


def test_config_builds_a_labeler_with_its_settings():
    labeler = load_config(None, ["epochs=2", "dropout=0.2"]).labeler()
    assert labeler.epochs == 2 and labeler.dropout == 0.2
