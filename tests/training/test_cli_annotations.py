from pathlib import Path

from typer.testing import CliRunner

from argmine.cli import app
from tests.training.test_corpus import _rewrite

runner = CliRunner()


def test_validate_passes_on_a_sound_corpus(tiny_corpus: Path):
    result = runner.invoke(app, ["annotations", "validate", "--dir", str(tiny_corpus)])
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_validate_exits_non_zero_naming_file_line_and_problem(tiny_corpus: Path):
    _rewrite(tiny_corpus / "tiny-b.jsonl", 3, stance="liberal")
    result = runner.invoke(app, ["annotations", "validate", "--dir", str(tiny_corpus)])
    assert result.exit_code == 1
    assert "tiny-b.jsonl:3: stance 'liberal' is not one of" in result.output


def test_stats_counts_labels_per_source(tiny_corpus: Path):
    result = runner.invoke(app, ["annotations", "stats", "--dir", str(tiny_corpus)])
    assert result.exit_code == 0, result.output
    assert "authored: 10 sentences in 2 documents" in result.output
    assert "claim 6" in result.output
