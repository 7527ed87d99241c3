"""``argmine label``: options reach the library, errors become messages and exit codes."""

from __future__ import annotations

from collections import Counter

import pytest
from typer.testing import CliRunner

from argmine.batch import model as batch_model
from argmine.cli import app
from argmine.batch.writers import read_records
from tests.batch.conftest import InterruptingLabeler, corpus, write_csv, write_jsonl
from tests.fakes import FakeLabeler

runner = CliRunner()


@pytest.fixture
def loads(monkeypatch) -> list[tuple]:
    """Every load_labeler call the CLI makes; each gets the fake labeler."""
    calls: list[tuple] = []

    def load(directory, device="auto", batch_tokens=None, max_batch=None):
        calls.append((directory, device, batch_tokens, max_batch))
        return FakeLabeler()

    monkeypatch.setattr(batch_model, "load_labeler", load)
    return calls


@pytest.fixture
def model_dir(tmp_path, loads):
    (tmp_path / "model").mkdir()
    return tmp_path / "model"


def label(*args: str):
    return runner.invoke(app, ["label", *args, "--no-progress"])


def test_label_writes_the_output_and_prints_a_summary_line(tmp_path, model_dir, loads):
    source = write_csv(tmp_path / "in.csv", corpus(3), "key", "body")
    result = label(str(source), "-o", str(tmp_path / "out.parquet"), "--model", str(model_dir),
                   "--id-column", "key", "--text-column", "body", "--device", "cpu", "--batch-tokens", "512",
                   "--max-batch", "64", "--summary", str(tmp_path / "summary.jsonl"))
    assert result.exit_code == 0, result.output
    assert "labelled 3 documents, 5 sentences, 0 skipped in" in result.output
    assert Counter(r["doc_id"] for r in read_records(tmp_path / "out.parquet") if r["sent_id"] == 0) == \
        Counter({"doc-000": 1, "doc-001": 1, "doc-002": 1})
    assert len((tmp_path / "summary.jsonl").read_text().splitlines()) == 3
    assert loads == [(model_dir, "cpu", 512, 64)]


def test_an_existing_output_is_an_error_without_force(tmp_path, model_dir):
    source = write_jsonl(tmp_path / "in.jsonl", corpus(2))
    (tmp_path / "out.jsonl").write_text("old\n")
    result = label(str(source), "-o", str(tmp_path / "out.jsonl"), "--model", str(model_dir))
    assert result.exit_code == 1
    assert "exists: pass --resume" in result.output
    assert label(str(source), "-o", str(tmp_path / "out.jsonl"), "--model", str(model_dir), "--force").exit_code == 0


def test_on_error_fail_exits_naming_the_record(tmp_path, model_dir):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": ""}\n')
    result = label(str(source), "-o", str(tmp_path / "out.jsonl"), "--model", str(model_dir), "--on-error", "fail")
    assert result.exit_code == 1
    assert f"{source}:line 1: empty text" in result.output


def test_ctrl_c_exits_130_and_says_how_to_resume(tmp_path, model_dir, monkeypatch):
    monkeypatch.setattr(batch_model, "load_labeler", lambda *a, **k: InterruptingLabeler(after=1))
    source = write_jsonl(tmp_path / "in.jsonl", corpus(4))
    result = label(str(source), "-o", str(tmp_path / "out.jsonl"), "--model", str(model_dir), "--chunk-size", "2")
    assert result.exit_code == 130
    assert "--resume" in result.output
    result = label(str(source), "-o", str(tmp_path / "out.jsonl"), "--model", str(model_dir), "--resume")
    assert result.exit_code == 0 and "2 documents" in result.output and "2 already done" in result.output


def test_an_unknown_model_is_an_error(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", corpus(1))
    result = label(str(source), "-o", str(tmp_path / "out.jsonl"), "--model", str(tmp_path / "no" / "model"))
    assert result.exit_code == 1 and "neither a model directory" in result.output
