import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from argmine.cli import app
from argmine.models.link_features import LinkDocument
from argmine.models.links import Link
from argmine.models.scheme import ROLES
from argmine.training.config import TrainConfig
from argmine.training.links_eval import nearest_preceding_claim, previous_arguing, write_links_section
from argmine.training.train import train
from tests.link_corpus import write_link_corpus

runner = CliRunner()


def _doc(roles: list[str], paragraphs: list[int]) -> LinkDocument:
    from argmine.models.scheme import ROLES

    n = len(roles)
    role = np.zeros((n, 3), dtype=np.float32)
    role[np.arange(n), [ROLES.index(r) for r in roles]] = 1
    return LinkDocument("d", tuple(range(n)), tuple("x" for _ in range(n)), tuple(paragraphs), role,
                        np.tile(np.array([0, 0, 0, 1], dtype=np.float32), (n, 1)))


def test_nearest_preceding_claim_links_premises_only_and_can_stay_in_the_paragraph():
    doc = _doc(["premise", "claim", "premise", "none", "premise", "claim", "premise"], [0, 0, 0, 0, 1, 1, 1])
    assert nearest_preceding_claim([doc]) == [Link("d", 2, 1, "support", 1.0), Link("d", 4, 1, "support", 1.0),
                                              Link("d", 6, 5, "support", 1.0)]
    assert [(l.source, l.target) for l in nearest_preceding_claim([doc], same_paragraph=True)] == [(2, 1), (6, 5)]


def test_previous_arguing_chains_claims_and_premises_within_a_paragraph_skipping_none():
    doc = _doc(["premise", "claim", "none", "premise", "claim", "none", "premise"], [0, 0, 0, 0, 1, 1, 1])
    assert [(l.source, l.target) for l in previous_arguing([doc])] == [(1, 0), (3, 1), (6, 4)]


def test_the_links_section_is_replaced_and_the_rest_kept(tmp_path: Path):
    path = tmp_path / "EVALUATION.md"
    path.write_text("# Evaluation\n\n## Roles\n\nold roles\n\n## Links\n\nold links\n\n## Systems\n\n- a\n")
    write_links_section(path, "## Links\n\nnew links\n")
    text = path.read_text()
    assert "old links" not in text and "new links" in text
    assert text.index("## Roles") < text.index("## Links") < text.index("## Systems") and "- a" in text
    fresh = tmp_path / "other.md"
    write_links_section(fresh, "## Links\n\nx\n")
    assert fresh.read_text().startswith("# Evaluation\n\n## Links")


@pytest.mark.slow
def test_links_eval_and_train_commands_on_a_generated_corpus(tmp_path: Path):
    root = write_link_corpus(tmp_path / "annotations", n_docs=8, paragraphs=3)
    report = tmp_path / "EVALUATION.md"
    report.write_text("# Evaluation\n\n## Real sentences\n\nkept\n")
    result = runner.invoke(app, ["links", "eval", "--annotations", str(root), "--folds", "2", "--out", str(report),
                                 "--json", str(tmp_path / "links.json"), "--grouping", "document"])
    assert result.exit_code == 0, result.output
    text = report.read_text()
    assert "kept" in text and "## Links" in text and "| link_model | gold |" in text
    results = json.loads((tmp_path / "links.json").read_text())
    scores = results["groupings"]["document"]
    assert scores["link_model"]["gold"]["all"]["link"]["f1"] > scores["no_link"]["gold"]["all"]["link"]["f1"] == 0.0
    assert results["links"] == sum(1 for p in (root / "links").glob("*.jsonl") for _ in p.open())

    # The link model reads the vectors of the sentence model in --model-dir: there must be one.
    result = runner.invoke(app, ["links", "train", "--annotations", str(root), "--model-dir", str(tmp_path / "m")])
    assert result.exit_code == 1 and "not a directory holding an argmine model" in result.output
    train(TrainConfig(max_steps=1, epochs=1, batch_size=8, device="cpu"), root, tmp_path / "m", progress=False)
    result = runner.invoke(app, ["links", "train", "--annotations", str(root), "--model-dir", str(tmp_path / "m"),
                                 "--set", "C=0.1"])
    assert result.exit_code == 0, result.output
    assert "learned from the sentence model's own roles" in result.output
    assert ", C 0.1," in result.output.replace("\n", " ")
    missing = runner.invoke(app, ["links", "train", "--annotations", str(root), "--model-dir", str(tmp_path / "m"),
                                  "--roles-from", str(tmp_path / "no-such.jsonl")])
    assert missing.exit_code == 1 and "cannot read predictions from" in missing.output
    version = json.loads((tmp_path / "m" / "training.json").read_text())["version"]
    assert json.loads((tmp_path / "m" / "links" / "config.json").read_text())["vectors"] == {
        "model_version": version, "dim": 384}
    assert (tmp_path / "m" / "links" / "links.safetensors").exists()
    config = json.loads((tmp_path / "m" / "links" / "config.json").read_text())
    assert config["settings"]["C"] == config["C"] == 0.1


def test_links_commands_explain_what_is_missing(tiny_corpus: Path, tmp_path: Path):
    result = runner.invoke(app, ["links", "eval", "--annotations", str(tiny_corpus), "--out", str(tmp_path / "e.md")])
    assert result.exit_code == 1 and "is annotated for links" in result.output.replace("\n", " ")
    result = runner.invoke(app, ["links", "train", "--annotations", str(tiny_corpus), "--model-dir", str(tmp_path),
                                 "--set", "colour=red"])
    assert result.exit_code == 1 and "colour" in result.output
    result = runner.invoke(app, ["links", "train", "--annotations", str(tiny_corpus), "--model-dir", str(tmp_path)])
    assert result.exit_code == 1 and "is annotated for links" in result.output.replace("\n", " ")


def test_rewriting_the_sentence_report_keeps_the_links_section(tmp_path: Path):
    from argmine.training.links_eval import keep_links_section

    path = tmp_path / "EVALUATION.md"
    path.write_text("# Evaluation\n\nold\n\n## Links\n\nlink table\n\n## Later\n\nx\n")
    assert keep_links_section(path, "# Evaluation\n\nnew\n") == "# Evaluation\n\nnew\n\n## Links\n\nlink table\n"
    assert keep_links_section(tmp_path / "missing.md", "# E\n") == "# E\n"


@pytest.mark.slow
def test_argmine_eval_with_links_writes_both_reports(tmp_path: Path):
    root = write_link_corpus(tmp_path / "annotations", n_docs=6, paragraphs=3)
    out, json_out = tmp_path / "EVALUATION.md", tmp_path / "evaluation.json"
    result = runner.invoke(app, ["eval", "--annotations", str(root), "--folds", "2", "--systems", "majority",
                                 "--links", "--out", str(out), "--json", str(json_out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.index("## Real sentences") < text.index("## Links")
    assert (tmp_path / "evaluation-links.json").exists()
    # Rerunning the sentence evaluation alone keeps the link results.
    result = runner.invoke(app, ["eval", "--annotations", str(root), "--folds", "2", "--systems", "majority",
                                 "--out", str(out), "--json", str(json_out)])
    assert result.exit_code == 0 and "## Links" in out.read_text()


def test_link_agreement_counts_pairs_links_and_types(tiny_linked_corpus: Path, tmp_path: Path):
    second = tmp_path / "second.jsonl"
    second.write_text("\n".join(json.dumps(l) for l in [
        {"doc_id": "tiny-a", "source": 2, "target": 1, "type": "support"},
        {"doc_id": "tiny-a", "source": 3, "target": 1, "type": "support"},
        {"doc_id": "tiny-a", "source": 4, "target": 5, "type": "support"}]) + "\n")
    result = runner.invoke(app, ["links", "agreement", str(tiny_linked_corpus / "links"), str(second),
                                 "--annotations", str(tiny_linked_corpus)])
    assert result.exit_code == 0, result.output
    # tiny-a only (the second pass's document): 5 arguing sentences, 20 ordered pairs; 2 of 3 links shared.
    assert "1 documents, 20 ordered pairs" in result.output and "first 2, second 3, both 2" in result.output
    assert "F1 (second vs first) 0.800" in result.output and "typed F1 0.400" in result.output


@pytest.mark.slow
def test_links_eval_takes_roles_from_out_of_fold_predictions_of_argmine_eval(tmp_path: Path):
    root = write_link_corpus(tmp_path / "annotations", n_docs=6, paragraphs=2)
    predictions = tmp_path / "oof.jsonl"
    result = runner.invoke(app, ["eval", "--annotations", str(root), "--folds", "2", "--systems", "finetuned,tfidf_lr",
                                 "--modes", "seed", "--out", str(tmp_path / "E.md"), "--json", str(tmp_path / "e.json"),
                                 "--predictions", str(predictions), "--set", "max_steps=1", "--set", "epochs=1",
                                 "--set", "batch_size=8", "--set", "device=cpu"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in predictions.read_text().splitlines()]
    n = sum(1 for p in root.glob("*.jsonl") for _ in p.open())
    assert {r["system"] for r in rows} == {"finetuned"} and len(rows) == n  # tfidf_lr gives no probabilities
    row = rows[0]
    assert set(row["probabilities"]) == {"role", "stance", "risk"} and row["fold"] in (0, 1)
    assert abs(sum(row["probabilities"]["role"].values()) - 1) < 1e-3 and row["gold"]["role"] in ROLES

    out = ["--annotations", str(root), "--folds", "2", "--grouping", "document", "--out", str(tmp_path / "L.md"),
           "--json", str(tmp_path / "links.json")]
    result = runner.invoke(app, ["links", "eval", *out, "--roles-from", str(predictions)])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "links.json").read_text())["role_model"].startswith("out-of-fold finetuned")
    wrong = runner.invoke(app, ["links", "eval", *out, "--roles-from", str(predictions), "--roles-system", "accurate"])
    assert wrong.exit_code == 1 and "no seed-mode predictions of 'accurate'" in wrong.output
    both = runner.invoke(app, ["links", "eval", *out, "--roles-from", str(predictions), "--roles-model", str(tmp_path)])
    assert both.exit_code == 1 and "choose one" in both.output


def test_gold_part_replaces_one_part_of_the_predicted_roles_by_the_gold_ones():
    from argmine.training.links_eval import LinkEvaluationError, with_gold_part

    items = [{"role": "claim"}, {"role": "premise"}, {"role": "none"}]
    # Predicted: the claim is called a premise, the premise "none", the none sentence a claim.
    predicted = np.array([[0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.7, 0.1, 0.2]], dtype=np.float32)
    fixed = lambda train: (lambda records: {"role": predicted, "stance": np.zeros((len(records), 4))})
    split = with_gold_part(fixed, "claim-premise")([])(items)["role"]
    assert np.allclose(split, [[0.7, 0.0, 0.3], [0.0, 0.4, 0.6], [0.4, 0.4, 0.2]])  # P(none) is the prediction
    arguing = with_gold_part(fixed, "arguing")([])(items)["role"]
    assert np.allclose(arguing, [[1 / 7, 6 / 7, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])  # the split is the prediction's
    assert np.allclose(split.sum(1), 1) and np.allclose(arguing.sum(1), 1)
    with pytest.raises(LinkEvaluationError, match="not one of"):
        with_gold_part(fixed, "stance")  # type: ignore[arg-type]


def test_links_eval_gold_part_is_reported_as_a_diagnostic(tmp_path: Path):
    root = write_link_corpus(tmp_path / "annotations", n_docs=6, paragraphs=2)
    out = ["--annotations", str(root), "--folds", "2", "--grouping", "document", "--out", str(tmp_path / "L.md"),
           "--json", str(tmp_path / "links.json")]
    result = runner.invoke(app, ["links", "eval", *out, "--gold-part", "claim-premise"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "links.json").read_text())["gold_part"] == "claim-premise"
    assert "Diagnostic run" in (tmp_path / "L.md").read_text()
    wrong = runner.invoke(app, ["links", "eval", *out, "--gold-part", "stance"])
    assert wrong.exit_code == 1 and "not one of ['claim-premise', 'arguing']" in wrong.output


def test_links_eval_reads_the_frozen_vectors_of_several_bases_side_by_side(tmp_path: Path, monkeypatch):
    from argmine.models.link_features import frozen_vectors
    from argmine.training.links_eval import FrozenRoleModel
    from tests.models.test_bases import tiny_mpnet

    monkeypatch.setenv("ARGMINE_CACHE_DIR", str(tmp_path / "cache"))
    root = write_link_corpus(tmp_path / "annotations", n_docs=6, paragraphs=2)
    out = ["--annotations", str(root), "--folds", "2", "--grouping", "document", "--out", str(tmp_path / "L.md"),
           "--json", str(tmp_path / "links.json")]
    frozen_vectors.cache_clear()
    try:
        missing = runner.invoke(app, ["links", "eval", *out, "--frozen-bases", "minilm,mpnet"])
        assert missing.exit_code == 1 and "argmine base fetch mpnet" in missing.output.replace("\n", " ")
        tiny_mpnet(tmp_path / "cache" / "bases" / "mpnet")  # width 32
        frozen_vectors.cache_clear()
        both = FrozenRoleModel(("minilm", "mpnet"))
        assert both.vectors(["Portals save time.", "Critics disagree."]).shape == (2, 384 + 32)
        result = runner.invoke(app, ["links", "eval", *out, "--frozen-bases", "minilm,mpnet"])
        assert result.exit_code == 0, result.output
        results = json.loads((tmp_path / "links.json").read_text())
        assert results["role_model"] == "frozen_lr (minilm + mpnet)"
        predicted = results["groupings"]["document"]["link_model"]["predicted"]["all"]["link"]
        assert predicted["predicted"] > 0
    finally:
        frozen_vectors.cache_clear()
    unknown = runner.invoke(app, ["links", "eval", *out, "--frozen-bases", "bert"])
    assert unknown.exit_code == 1 and "unknown base encoder 'bert'" in unknown.output
    clash = runner.invoke(app, ["links", "eval", *out, "--frozen-bases", "mpnet", "--roles-from", str(tmp_path)])
    assert clash.exit_code == 1 and "--frozen-bases" in clash.output
