import json
from pathlib import Path

import pytest

from argmine.training.corpus import CorpusError, linked_documents, load_links, validate
from tests.conftest import write_links


def test_links_load_sorted_with_their_documents(tiny_linked_corpus: Path):
    assert validate(tiny_linked_corpus) == []
    links = load_links(tiny_linked_corpus)
    assert links == [
        {"doc_id": "tiny-a", "source": 2, "target": 1, "type": "support"},
        {"doc_id": "tiny-a", "source": 3, "target": 1, "type": "attack"},
        {"doc_id": "tiny-b", "source": 1, "target": 0, "type": "support"},
    ]
    assert linked_documents(tiny_linked_corpus) == ["tiny-a", "tiny-b"]


def test_a_corpus_without_links_has_none(tiny_corpus: Path):
    assert load_links(tiny_corpus) == [] and linked_documents(tiny_corpus) == []


@pytest.mark.parametrize("rows, message", [
    ([(2, 2, "support")], "links to itself"),
    ([(0, 1, "support")], "source sent_id 0 has role 'none'"),
    ([(2, 0, "support")], "target sent_id 0 has role 'none'"),
    ([(2, 9, "support")], "target sent_id 9 is not a sentence of 'tiny-a'"),
    ([(2, 1, "rebuts")], "type 'rebuts' is not one of"),
    ([(2, 1, "support"), (2, 3, "support")], "has a second target"),
])
def test_broken_links_are_reported_with_file_line_and_problem(tiny_corpus: Path, rows, message):
    write_links(tiny_corpus, {"tiny-a": rows})
    problems = validate(tiny_corpus)
    path = str(tiny_corpus / "links" / "tiny-a.jsonl")
    assert any(message in p.message and p.path == path and p.line == len(rows) for p in problems), problems
    with pytest.raises(CorpusError):
        load_links(tiny_corpus)


def test_a_link_must_stay_in_the_document_its_file_names(tiny_corpus: Path):
    (tiny_corpus / "links").mkdir()
    (tiny_corpus / "links" / "tiny-a.jsonl").write_text(
        json.dumps({"doc_id": "tiny-b", "source": 1, "target": 0, "type": "support"}) + "\n")
    (tiny_corpus / "links" / "tiny-z.jsonl").write_text("")
    messages = [p.message for p in validate(tiny_corpus)]
    assert any("doc_id 'tiny-b' in the links file of 'tiny-a'" in m for m in messages)
    assert any("'tiny-z', which has no annotated sentences" in m for m in messages)


@pytest.mark.parametrize("line, message", [
    ('{"doc_id": "tiny-a", "source": "2", "target": 1, "type": "support"}', "field 'source' should be int"),
    ('{"doc_id": "tiny-a", "target": 1, "type": "support"}', "missing field 'source'"),
    ('[1, 2]', "expected a JSON object"),
    ('{"doc_id": ', "not valid JSON"),
])
def test_malformed_link_lines_are_reported(tiny_corpus: Path, line, message):
    (tiny_corpus / "links").mkdir()
    (tiny_corpus / "links" / "tiny-a.jsonl").write_text(line + "\n")
    assert any(message in p.message and p.line == 1 for p in validate(tiny_corpus))
