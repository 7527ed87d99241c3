from __future__ import annotations

import json

import pytest

from argmine.batch.errors import ModelNotFoundError
from argmine.batch.model import model_version, resolve_model


def make_model(path, version="v1"):
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    (path / "training.json").write_text(json.dumps({"version": version}))
    return path


def test_a_directory_wins_over_a_version_of_the_same_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_model(tmp_path / "v1", "local")
    make_model(tmp_path / "data" / "models" / "v1", "stored")
    assert resolve_model("v1", tmp_path / "data" / "models").resolve() == tmp_path / "v1"
    assert model_version(resolve_model("v1", tmp_path / "data" / "models")) == "local"


def test_a_version_name_resolves_in_the_models_dir_or_to_the_shipped_model(tmp_path):
    store = tmp_path / "data" / "models"
    make_model(store / "20260101-a")
    shipped = make_model(tmp_path / "default", "shipped-1")
    assert resolve_model("20260101-a", store, shipped) == store / "20260101-a"
    assert resolve_model("shipped-1", store, shipped) == shipped
    assert resolve_model(None, store, shipped) == shipped


def test_unknown_models_are_refused_with_where_it_looked(tmp_path):
    with pytest.raises(ModelNotFoundError, match="neither a model directory nor a version in"):
        resolve_model("nope", tmp_path / "models", tmp_path / "default")
    with pytest.raises(ModelNotFoundError, match="shipped default model is missing"):
        resolve_model(None, tmp_path / "models", tmp_path / "default")
