import json
from pathlib import Path

import pytest

from argmine.models.paths import ANNOTATIONS_DIR
from argmine.training.corpus import CorpusError, fingerprint, load_corpus, statistics, to_dataset, validate


def test_shipped_corpus_is_valid_and_large_enough():
    assert validate(ANNOTATIONS_DIR) == []
    records = load_corpus(ANNOTATIONS_DIR)
    seed = [r for r in records if r["source"] == "seed"]
    authored = [r for r in records if r["source"] == "authored"]
    assert 350 <= len(seed) <= 450
    assert len(authored) >= 400
    assert len({r["doc_id"] for r in authored}) >= 8


def test_shipped_seed_covers_every_stance_and_risk():
    stats = statistics(load_corpus(ANNOTATIONS_DIR))
    assert set(stats["seed"]["stance"]) == {"populist", "pluralist", "skeptical", "none"}
    assert stats["seed"]["risk"]["true"] > 0


def test_loader_gives_document_and_section_of_every_sentence(tiny_corpus: Path):
    records = load_corpus(tiny_corpus)
    dataset = to_dataset(records)
    assert len(dataset) == 10
    assert set(dataset.column_names) >= {"doc_id", "section", "paragraph", "text", "role", "stance", "risk"}
    first = [r for r in records if r["doc_id"] == "tiny-a"]
    assert [r["paragraph"] for r in first] == [0, 1, 1, 1, 2, 2]
    assert first[1]["section"] == "tiny-a#1"


def _rewrite(path: Path, line_no: int, **changes) -> None:
    lines = path.read_text().splitlines()
    record = json.loads(lines[line_no - 1])
    record.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del record[key]
    lines[line_no - 1] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("changes, message", [
    ({"role": "argument"}, "role 'argument' is not one of"),
    ({"stance": "liberal"}, "stance 'liberal' is not one of"),
    ({"risk": "yes"}, "field 'risk' should be bool"),
    ({"text": None}, "missing field 'text'"),
    ({"start": 3}, "not the record's text"),
    ({"sent_id": 0}, "duplicate sent_id 0"),
    ({"source": "web"}, "source 'web' is not one of"),
])
def test_broken_records_are_reported_with_file_line_and_problem(tiny_corpus: Path, changes, message):
    path = tiny_corpus / "tiny-a.jsonl"
    _rewrite(path, 2, **changes)
    problems = validate(tiny_corpus)
    assert problems, "a broken record must be reported"
    assert any(message in p.message and p.path == str(path) and p.line == 2 for p in problems), problems


def test_unannotated_text_is_reported(tiny_corpus: Path):
    path = tiny_corpus / "tiny-b.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")  # drop the last sentence
    problems = validate(tiny_corpus)
    assert any("after the last sentence is not annotated" in p.message for p in problems)


def test_invalid_json_and_missing_document_are_reported(tiny_corpus: Path):
    (tiny_corpus / "tiny-a.jsonl").write_text("{not json\n")
    (tiny_corpus / "documents" / "tiny-b.txt").unlink()
    messages = [str(p) for p in validate(tiny_corpus)]
    assert any("tiny-a.jsonl:1: not valid JSON" in m for m in messages)
    assert any("does not exist" in m for m in messages)
    with pytest.raises(CorpusError):
        load_corpus(tiny_corpus)


def test_fingerprint_changes_with_the_data(tiny_corpus: Path):
    before = fingerprint(tiny_corpus)
    _rewrite(tiny_corpus / "tiny-a.jsonl", 1, role="claim")
    assert fingerprint(tiny_corpus) != before
