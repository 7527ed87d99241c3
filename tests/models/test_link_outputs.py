import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from argmine.cli import app
from argmine.models.link_outputs import add_link_fields, aif, edges_csv, graphml, links_from_records
from argmine.models.links import Link
from argmine.training.corpus import load_corpus, load_links
from tests.conftest import TINY_LINKS

runner = CliRunner()
NS = {"g": "http://graphml.graphdrawing.org/xmlns"}


def _gold(root: Path) -> tuple[list[dict], list[Link]]:
    return load_corpus(root), [Link(l["doc_id"], l["source"], l["target"], l["type"], 1.0) for l in load_links(root)]


def test_csv_edge_list_has_one_row_per_link(tiny_linked_corpus: Path):
    _, links = _gold(tiny_linked_corpus)
    rows = list(csv.DictReader(io.StringIO(edges_csv(links))))
    assert [(r["source"], r["target"], r["type"]) for r in rows] == [
        ("tiny-a:2", "tiny-a:1", "support"), ("tiny-a:3", "tiny-a:1", "attack"), ("tiny-b:1", "tiny-b:0", "support")]


def test_graphml_holds_every_sentence_and_link_with_their_labels(tiny_linked_corpus: Path):
    records, links = _gold(tiny_linked_corpus)
    root = ET.fromstring(graphml(records, links))
    graph = root.find("g:graph", NS)
    assert graph.get("edgedefault") == "directed"
    nodes = {n.get("id"): {d.get("key"): d.text for d in n.findall("g:data", NS)} for n in graph.findall("g:node", NS)}
    assert len(nodes) == len(records) and nodes["tiny-a:1"]["role"] == "claim"
    assert nodes["tiny-a:3"]["risk"] == "true" and nodes["tiny-a:1"]["text"] == records[1]["text"]
    edges = [(e.get("source"), e.get("target"), e.find("g:data[@key='type']", NS).text) for e in graph.findall("g:edge", NS)]
    assert edges == [("tiny-a:2", "tiny-a:1", "support"), ("tiny-a:3", "tiny-a:1", "attack"),
                     ("tiny-b:1", "tiny-b:0", "support")]
    assert all(s in nodes and t in nodes for s, t, _ in edges)


def test_aif_puts_an_ra_node_on_each_support_and_a_ca_node_on_each_attack(tiny_linked_corpus: Path):
    records, links = _gold(tiny_linked_corpus)
    graph = aif(records, links)
    by_id = {n["nodeID"]: n for n in graph["nodes"]}
    assert len(by_id) == len(graph["nodes"])
    schemes = [n for n in graph["nodes"] if n["type"] in ("RA", "CA")]
    assert sorted(n["type"] for n in schemes) == ["CA", "RA", "RA"]
    assert {n["text"] for n in graph["nodes"] if n["type"] == "I"} == {r["text"] for r in records if r["role"] != "none"}
    for scheme in schemes:
        into = [e["fromID"] for e in graph["edges"] if e["toID"] == scheme["nodeID"]]
        out = [e["toID"] for e in graph["edges"] if e["fromID"] == scheme["nodeID"]]
        assert len(into) == len(out) == 1 and by_id[into[0]]["type"] == by_id[out[0]]["type"] == "I"
    attack = next(n for n in schemes if n["type"] == "CA")
    source = next(by_id[e["fromID"]] for e in graph["edges"] if e["toID"] == attack["nodeID"])
    assert (source["doc_id"], source["sent_id"]) == ("tiny-a", 3)


def test_sentence_records_carry_target_and_relation_and_read_back(tiny_linked_corpus: Path):
    records, links = _gold(tiny_linked_corpus)
    marked = add_link_fields(records, links)
    assert [(r["sent_id"], r["target"], r["relation"]) for r in marked if r["doc_id"] == "tiny-a"] == [
        (0, None, None), (1, None, None), (2, 1, "support"), (3, 1, "attack"), (4, None, None), (5, None, None)]
    assert links_from_records(marked) == links


@pytest.mark.parametrize("name, check", [
    ("edges.csv", lambda text: text.count("\n") == 1 + sum(len(v) for v in TINY_LINKS.values())),
    ("graph.graphml", lambda text: ET.fromstring(text).tag.endswith("graphml")),
    ("graph.json", lambda text: len(json.loads(text)["edges"]) == 2 * sum(len(v) for v in TINY_LINKS.values())),
])
def test_export_command_writes_the_gold_structure_of_a_corpus(tiny_linked_corpus: Path, tmp_path: Path, name, check):
    result = runner.invoke(app, ["links", "export", str(tiny_linked_corpus), "-o", str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    assert check((tmp_path / name).read_text())


@pytest.mark.slow
def test_export_command_predicts_links_of_a_labelled_jsonl_with_a_model(tmp_path: Path):
    from argmine.training.config import TrainConfig
    from argmine.training.train import train
    from tests.link_corpus import write_link_corpus

    root = write_link_corpus(tmp_path / "annotations", n_docs=6, paragraphs=3)
    records = load_corpus(root)
    # A real sentence model (one step) with its link model beside it, on its own vectors.
    train(TrainConfig(max_steps=1, epochs=1, batch_size=8, device="cpu"), root, tmp_path / "model", progress=False)
    labelled = tmp_path / "labelled.jsonl"
    # What `argmine label` writes: labels with their probabilities, no links.
    with labelled.open("w") as f:
        for r in records:
            probabilities = {"role": {k: float(k == r["role"]) for k in ("claim", "premise", "none")},
                             "stance": {k: float(k == r["stance"]) for k in ("populist", "pluralist", "skeptical", "none")}}
            f.write(json.dumps({k: r[k] for k in ("doc_id", "sent_id", "start", "end", "text", "role", "stance", "risk")}
                               | {"probabilities": probabilities}) + "\n")
    out = tmp_path / "edges.csv"
    result = runner.invoke(app, ["links", "export", str(labelled), "-o", str(out), "--model", str(tmp_path / "model")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert len(rows) >= 0.5 * len(load_links(root))
    result = runner.invoke(app, ["links", "export", str(labelled), "-o", str(tmp_path / "x.txt")])
    assert result.exit_code == 1 and "cannot tell the format" in result.output


def test_paragraphs_come_from_blank_lines_or_from_the_extracted_units():
    from argmine.extraction.document import Extracted, Unit
    from argmine.models.link_outputs import with_paragraphs

    text = "Lead claim.\n\nItem one.\n\nItem two.\n\nNext paragraph."
    starts = [text.index(s) for s in ("Lead", "Item one", "Item two", "Next")]
    records = [{"sent_id": k, "start": s} for k, s in enumerate(starts)]
    assert [r["paragraph"] for r in with_paragraphs(records, text)] == [0, 1, 2, 3]
    units = (Unit(starts[0], starts[0] + 11, "paragraph"), Unit(starts[1], starts[1] + 9, "list_item"),
             Unit(starts[2], starts[2] + 9, "list_item"), Unit(starts[3], len(text), "paragraph"))
    extracted = Extracted(text, units, "html")
    assert extracted.paragraph_starts() == [starts[0], starts[3]]
    assert [r["paragraph"] for r in with_paragraphs(records, text, extracted.paragraph_starts())] == [0, 0, 0, 1]
