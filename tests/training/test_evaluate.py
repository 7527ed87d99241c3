import json
from pathlib import Path

from tests.conftest import write_corpus
from argmine.training.config import TrainConfig
from argmine.training.evaluate import run_evaluation


def test_cross_validation_reports_real_and_authored_apart(tmp_path: Path):
    corpus = write_corpus(tmp_path / "annotations", sources={"tiny-a": "seed", "tiny-b": "authored"})
    out, json_out = tmp_path / "EVALUATION.md", tmp_path / "evaluation.json"
    results = run_evaluation(corpus, TrainConfig(), 2, out, json_out, ["majority", "tfidf_lr", "tfidf_lr_seed_only"])
    assert set(results["results"]["tfidf_lr"]) == {"seed", "authored", "all"}
    assert results["results"]["tfidf_lr"]["seed"]["n"] == 6
    assert results["results"]["tfidf_lr"]["authored"]["n"] == 4
    seed_role = results["results"]["majority"]["seed"]["role"]
    assert sum(sum(row) for row in seed_role["confusion"]["matrix"]) == 6
    assert 0.0 <= seed_role["macro_f1"] <= 1.0
    report = out.read_text()
    assert "## Real sentences (seed article): macro-F1" in report
    assert "| tfidf_lr_seed_only |" in report
    assert json.loads(json_out.read_text())["folds"] == 2


def test_unknown_system_is_refused(tmp_path: Path):
    import pytest

    corpus = write_corpus(tmp_path / "annotations")
    with pytest.raises(ValueError, match="unknown systems"):
        run_evaluation(corpus, TrainConfig(), 2, tmp_path / "e.md", tmp_path / "e.json", ["bert"])
