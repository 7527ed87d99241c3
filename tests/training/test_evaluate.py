import json
from pathlib import Path

import pytest

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


def test_fine_tuned_systems_get_calibration_and_leave_documents_out(tmp_path: Path):
    corpus = write_corpus(tmp_path / "annotations", sources={"tiny-a": "seed", "tiny-b": "authored"})
    config = TrainConfig(epochs=1, max_steps=1, batch_size=4, context_window=1, device="cpu", precision="fp32")
    results = run_evaluation(corpus, config, 2, tmp_path / "E.md", tmp_path / "e.json", ["finetuned", "majority"])
    calibration = results["calibration"]["finetuned"]
    assert set(calibration["heads"]) == {"role", "stance", "risk"} and calibration["n"] == 6
    for head in calibration["heads"].values():
        assert 0.0 <= head["ece"] <= 1.0 and 0.5 <= head["temperature"] <= 4.0
    assert 0.0 <= calibration["uncertainty"]["top"] <= 1.0
    assert "majority" not in results["calibration"]  # labels only: nothing to calibrate
    assert results["documents"]["finetuned"]["n"] == 4  # the one authored document, tested unseen
    report = (tmp_path / "E.md").read_text()
    assert "## New documents: leave-documents-out" in report and "## Calibration on real sentences" in report


def test_calibration_helpers_measure_what_they_say():
    import numpy as np

    from argmine.training.calibration import ece, fit_temperature, uncertain_error_rates, with_temperature

    truth = np.array([0, 0, 1, 1])
    sure_and_right = np.array([[0.99, 0.01], [0.99, 0.01], [0.01, 0.99], [0.01, 0.99]])
    assert ece(sure_and_right, truth) < 0.02
    overconfident = np.array([[0.99, 0.01], [0.01, 0.99], [0.99, 0.01], [0.01, 0.99]])  # half wrong
    assert ece(overconfident, truth) > 0.4
    assert fit_temperature(overconfident, truth) > 2.0  # softened towards 50/50
    assert np.allclose(with_temperature(sure_and_right, 1.0), sure_and_right, atol=1e-6)
    rates = uncertain_error_rates(np.array([0.9, 0.1, 0.2, 0.8, 0.3]), np.array([1, 0, 0, 1, 0], dtype=bool), 0.4)
    assert rates["top"] == 1.0 and rates["rest"] == 0.0


def test_compare_scores_saved_models_on_the_held_out_sections(tmp_path: Path):
    from typer.testing import CliRunner

    from argmine.cli import app
    from argmine.models.labeler import SentenceLabeler
    from argmine.training.corpus import load_corpus
    from argmine.training.splits import eval_split

    corpus = write_corpus(tmp_path / "annotations", sources={"tiny-a": "seed", "tiny-b": "authored"})
    train, held_out = eval_split(load_corpus(corpus))
    assert held_out  # tiny-a#2, tiny-a#3 and tiny-b#1
    model = SentenceLabeler(trainable_layers=1, epochs=1, max_steps=1, batch_size=4, device="cpu",
                            precision="fp32").fit(train, progress=False).save(tmp_path / "m", training={"version": "t1"})
    result = CliRunner().invoke(app, ["compare", f"tiny={model}", "--annotations", str(corpus)])
    assert result.exit_code == 0, result.output
    seed_rows = [line for line in result.output.splitlines() if line.startswith("| tiny | seed |")]
    assert len(seed_rows) == 1 and seed_rows[0].endswith(f"| {sum(r['source'] == 'seed' for r in held_out)} |")
    calibrated = CliRunner().invoke(app, ["calibrate", str(model), "--annotations", str(corpus), "--write"])
    assert calibrated.exit_code == 0, calibrated.output
    assert "| system | head | ECE | ECE after temperature |" in calibrated.output
    config = json.loads((model / "config.json").read_text())
    assert set(config["temperatures"]) <= {"role", "stance", "risk"}
    assert "calibration" in json.loads((model / "metrics.json").read_text())


@pytest.mark.slow
def test_a_model_trained_with_holdout_false_sees_every_sentence_and_is_measured_by_its_twin(tmp_path: Path):
    from typer.testing import CliRunner

    from argmine.cli import app
    from argmine.training.config import TrainConfig
    from argmine.training.corpus import load_corpus
    from argmine.training.train import train

    corpus = write_corpus(tmp_path / "annotations", sources={"tiny-a": "seed", "tiny-b": "authored"})
    tiny = {"max_steps": 1, "epochs": 1, "batch_size": 4, "device": "cpu", "precision": "fp32"}
    refit = train(TrainConfig(**tiny, holdout=False), corpus, tmp_path / "refit", progress=False)
    twin = train(TrainConfig(**tiny), corpus, tmp_path / "twin", progress=False)
    training = json.loads((refit.path / "training.json").read_text())
    n = len(load_corpus(corpus))
    assert training["corpus"]["splits"] == {"train": n, "dev": 0, "eval": 0, "unlabelled": 0}
    assert refit.metrics == {} and twin.metrics  # the twin is scored on the sections it left out
    assert "`holdout: false`" in (refit.path / "README.md").read_text()

    runner = CliRunner()
    compared = runner.invoke(app, ["compare", f"refit={refit.path}", "--annotations", str(corpus)])
    assert compared.exit_code == 1 and "held-out twins" in compared.output
    alone = runner.invoke(app, ["calibrate", str(refit.path), "--annotations", str(corpus)])
    assert alone.exit_code == 1 and "--twin" in alone.output
    wrong = runner.invoke(app, ["calibrate", str(refit.path), "--twin", str(refit.path), "--annotations", str(corpus)])
    assert wrong.exit_code == 1
    done = runner.invoke(app, ["calibrate", str(refit.path), "--twin", str(twin.path), "--annotations", str(corpus),
                               "--write"])
    assert done.exit_code == 0, done.output
    metrics = json.loads((refit.path / "metrics.json").read_text())
    assert metrics["calibration"]["model"] == str(twin.path)
    assert metrics["twin"]["version"] == json.loads((twin.path / "training.json").read_text())["version"]
    assert "Its held-out twin" in (refit.path / "README.md").read_text()


def test_agree_counts_how_often_two_models_label_the_unlabelled_text_alike(tmp_path: Path):
    from typer.testing import CliRunner

    from argmine.cli import app
    from argmine.models.labeler import SentenceLabeler
    from argmine.training.corpus import load_corpus

    corpus = write_corpus(tmp_path / "annotations")
    runner = CliRunner()
    records = load_corpus(corpus)
    saved = []
    for name, seed in (("a", 1), ("b", 2)):
        saved.append(SentenceLabeler(trainable_layers=1, epochs=1, max_steps=1, batch_size=4, device="cpu",
                                     precision="fp32", seed=seed).fit(records, progress=False)
                     .save(tmp_path / name, training={"version": name}))
    missing = runner.invoke(app, ["agree", f"a={saved[0]}", f"b={saved[1]}", "--annotations", str(corpus)])
    assert missing.exit_code == 1 and "no unlabelled text" in missing.output
    (corpus / "unlabelled").mkdir()
    (corpus / "unlabelled" / "u.txt").write_text("Online voting is safe. Turnout rose by 4%.\n\nHackers wait.\n")
    result = runner.invoke(app, ["agree", f"a={saved[0]}", f"same={saved[0]}", "--annotations", str(corpus)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("3 unlabelled sentences")
    assert "| role | 1.000 |" in result.output  # a model agrees with itself
    other = runner.invoke(app, ["agree", f"a={saved[0]}", f"b={saved[1]}", "--annotations", str(corpus)])
    assert other.exit_code == 0 and "| risk |" in other.output


def test_folds_keeping_holds_each_earlier_section_in_its_fold_and_deals_out_new_ones():
    from argmine.training.splits import folds_keeping

    def record(doc: str, sent: int, section: int, text: str = "x") -> dict:
        return {"doc_id": doc, "sent_id": sent, "section": f"{doc}#{section}", "text": text}

    records = [record("a", 0, 0), record("a", 1, 0), record("a", 2, 1, "edited"), record("a", 3, 1),
               record("b", 0, 0)] + [record("c", i, i) for i in range(4)]
    earlier = {("a", 0): (1, "x"), ("a", 1): (1, "x"), ("a", 2): (1, "before"), ("a", 3): (0, "x"), ("b", 0): (1, None)}
    splits = folds_keeping(records, earlier, 2, seed=13)
    fold = {i: k for k, (_, test) in enumerate(splits) for i in test}
    assert [fold[i] for i in range(5)] == [1, 1, 0, 0, 1]  # a#1 keeps the fold of its unchanged sentence
    new = [fold[i] for i in range(5, 9)]
    assert sorted(new) == [0, 0, 1, 1]  # four new sections dealt evenly over two folds
    assert folds_keeping(records, earlier, 2, seed=13) == splits
    for train, test in splits:
        assert sorted(train + test) == list(range(len(records))) and not set(train) & set(test)
    with pytest.raises(ValueError, match="fold 1; it cannot be kept with 1 folds"):
        folds_keeping(records, earlier, 1, seed=13)


def test_eval_folds_from_tests_on_the_earlier_runs_folds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from typer.testing import CliRunner

    from argmine.cli import app
    from argmine.training import evaluate

    corpus = write_corpus(tmp_path / "annotations", sources={"tiny-a": "seed", "tiny-b": "authored"})
    records = [json.loads(line) for doc in ("tiny-a", "tiny-b") for line in (corpus / f"{doc}.jsonl").open()]
    earlier = tmp_path / "oof.jsonl"
    earlier.write_text("".join(json.dumps({"system": "finetuned", "mode": "seed", "doc_id": r["doc_id"],
                                           "sent_id": r["sent_id"], "text": r["text"],
                                           "fold": 1 if r["doc_id"] == "tiny-a" else 0}) + "\n"
                               for r in records if r["sent_id"] < 5))
    seen: list = []
    real = evaluate.cross_validate
    monkeypatch.setattr(evaluate, "cross_validate", lambda records, chosen, splits, *a: seen.append((records, splits))
                        or real(records, chosen, splits, *a))
    args = ["eval", "--annotations", str(corpus), "--folds", "2", "--systems", "majority", "--modes", "seed",
            "--out", str(tmp_path / "E.md"), "--json", str(tmp_path / "e.json")]
    result = CliRunner().invoke(app, [*args, "--folds-from", str(earlier)])
    assert result.exit_code == 0, result.output
    (loaded, splits), = seen
    tested_in = {(loaded[i]["doc_id"], loaded[i]["sent_id"]): k for k, (_, test) in enumerate(splits) for i in test}
    assert all(tested_in[(r["doc_id"], r["sent_id"])] == (1 if r["doc_id"] == "tiny-a" else 0)
               for r in records if r["sent_id"] < 5)
    assert json.loads((tmp_path / "e.json").read_text())["folds_from"] == str(earlier)

    earlier.write_text(json.dumps({"system": "finetuned", "mode": "documents", "doc_id": "tiny-a", "sent_id": 0,
                                   "fold": 0}) + "\n")
    result = CliRunner().invoke(app, [*args, "--folds-from", str(earlier)])
    assert result.exit_code == 1 and "holds no seed-mode predictions" in result.output

    earlier.write_text(json.dumps({"system": "finetuned", "mode": "seed", "doc_id": "tiny-a", "sent_id": 0}) + "\n")
    result = CliRunner().invoke(app, [*args, "--folds-from", str(earlier)])
    assert result.exit_code == 1 and "rows without a fold" in result.output


def test_recipe_set_changes_the_shipped_recipes_systems_only(tmp_path: Path):
    from typer.testing import CliRunner

    from argmine.cli import app
    from argmine.training.evaluate import systems

    available = systems(TrainConfig(), None, ["seed=14"])
    student = available["default_no_teacher"].make()
    assert student.config.seed == 14 and student.config.teacher is None and student.config.base == "minilm"
    assert available["accurate"].make().config.seed == 14
    assert available["finetuned"].make().config.seed == TrainConfig().seed
    with pytest.raises(ValueError):
        systems(TrainConfig(), None, ["no_such_key=1"])

    corpus = write_corpus(tmp_path / "annotations", sources={"tiny-a": "seed", "tiny-b": "authored"})
    args = ["eval", "--annotations", str(corpus), "--folds", "2", "--systems", "majority", "--modes", "seed",
            "--out", str(tmp_path / "E.md"), "--json", str(tmp_path / "e.json")]
    result = CliRunner().invoke(app, [*args, "--recipe-set", "seed=14"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "e.json").read_text())["recipe_overrides"] == ["seed=14"]
    result = CliRunner().invoke(app, [*args, "--recipe-set", "seed"])
    assert result.exit_code == 1 and "expects key=value" in result.output
