"""``argmine label`` with a link model beside the sentence model: target, relation, link_probability."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from argmine.batch import commitlog
from argmine.batch import model as batch_model
from argmine.batch.schema import LEGACY_COLUMNS, LINK_COLUMNS, csv_row
from argmine.batch.writers import _csv_text, read_csv_header, read_records
from argmine.cli import app
from argmine.models.link_features import documents_from_records
from argmine.models.links import LinkModel
from argmine.models.sentence_vectors import LabelerVectors
from argmine.training.corpus import load_corpus, load_links
from tests.fakes import FakeLabeler
from tests.link_corpus import write_link_corpus

runner = CliRunner()
# FakeLabeler: digits make a premise, "should"/"must" a claim, anything else role none.
TEXTS = {
    "d1": ("Citizens should vote online in every election. In 2019 turnout rose by 12 percent. "
           "The weather was mild.\n\nParties must publish their budgets online. "
           "For example, 40 percent of parties did so in 2021."),
    "d2": "The portal must serve every region. According to the ministry, it saved 3 million hours.",
    "d3": "The weather was mild. Nobody came.",
}
# Sentence mode: one sentence a record; "doc_id" groups records into one document.
SENTENCES = [
    {"id": "s1", "doc_id": "A", "text": "Citizens should vote online in every election."},
    {"id": "s2", "doc_id": "A", "text": "In 2019 turnout rose by 12 percent."},
    {"id": "s3", "doc_id": "A", "text": "The weather was mild."},
    {"id": "t1", "doc_id": "B", "text": "Parties must publish their budgets online."},
    {"id": "t2", "doc_id": "B", "text": "For example, 40 percent of parties did so in 2021."},
    {"id": "lone", "text": "In 2020 the survey found 30 percent support."},
]


@pytest.fixture(scope="module")
def link_model(tmp_path_factory) -> LinkModel:
    root = write_link_corpus(tmp_path_factory.mktemp("links") / "annotations", n_docs=6, paragraphs=3)
    return LinkModel(vectors=LabelerVectors(FakeLabeler())).fit(documents_from_records(load_corpus(root)),
                                                             load_links(root))


@pytest.fixture(autouse=True)
def fake_labeler(monkeypatch) -> None:
    monkeypatch.setattr(batch_model, "load_labeler", lambda *a, **k: FakeLabeler())


@pytest.fixture
def plain_model(tmp_path: Path) -> Path:
    (tmp_path / "plain").mkdir()
    return tmp_path / "plain"


@pytest.fixture
def linked_model(tmp_path: Path, link_model: LinkModel) -> Path:
    link_model.save(tmp_path / "linked" / "links")
    return tmp_path / "linked"


def label(*args: str):
    return runner.invoke(app, ["label", *args, "--no-progress"])


def write_documents(path: Path) -> Path:
    path.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in TEXTS.items()), encoding="utf-8")
    return path


def write_sentences(path: Path) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in SENTENCES), encoding="utf-8")
    return path


def by_doc(records: list[dict]) -> dict[str, dict[int, dict]]:
    out: dict[str, dict[int, dict]] = {}
    for r in records:
        out.setdefault(r["doc_id"], {})[r["sent_id"]] = r
    return out


def test_document_mode_records_point_at_sentences_of_their_own_document(tmp_path, linked_model):
    result = label(str(write_documents(tmp_path / "in.jsonl")), "-o", str(tmp_path / "out.jsonl"),
                   "--model", str(linked_model))
    assert result.exit_code == 0, result.output
    docs = by_doc(list(read_records(tmp_path / "out.jsonl")))
    linked = 0
    for doc_id, sentences in docs.items():
        for record in sentences.values():
            assert set(LINK_COLUMNS) <= record.keys()
            if record["target"] is None:
                assert record["relation"] is None and record["link_probability"] is None
                continue
            linked += 1
            assert record["target"] in sentences and record["target"] != record["sent_id"]
            assert record["role"] != "none" and sentences[record["target"]]["role"] != "none"
            assert record["relation"] in ("support", "attack") and 0.0 <= record["link_probability"] <= 1.0
    assert linked >= 2, "the premises back the claims before them"
    assert docs["d1"][1]["target"] == 0
    assert all(r["target"] is None for r in docs["d3"].values()), "no arguing sentences, no links"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_flat_outputs_carry_the_same_links_as_jsonl(tmp_path, linked_model, suffix):
    source = write_documents(tmp_path / "in.jsonl")
    assert label(str(source), "-o", str(tmp_path / "out.jsonl"), "--model", str(linked_model)).exit_code == 0
    result = label(str(source), "-o", str(tmp_path / f"out{suffix}"), "--model", str(linked_model))
    assert result.exit_code == 0, result.output
    expected = {(r["doc_id"], r["sent_id"]): (r["target"], r["relation"]) for r in read_records(tmp_path / "out.jsonl")}
    found = {(r["doc_id"], r["sent_id"]): (r.get("target"), r.get("relation"))
             for r in read_records(tmp_path / f"out{suffix}")}
    # A target is a sent_id: it reads back as an integer (or null), as from JSONL, not as text.
    assert found == expected
    assert {type(t) for t, _ in found.values()} == {int, type(None)}
    if suffix == ".csv":
        assert read_csv_header(tmp_path / "out.csv")[-3:] == list(LINK_COLUMNS)
    else:
        import pyarrow.parquet as pq

        assert str(pq.read_table(tmp_path / "out.parquet").schema.field("target").type) == "int32"
        # Resuming continues the same typed schema: every part reads as one table.
        (tmp_path / "more.jsonl").write_text(json.dumps({"id": "d4", "text": TEXTS["d2"]}) + "\n", encoding="utf-8")
        result = label(str(source), str(tmp_path / "more.jsonl"), "-o", str(tmp_path / "out.parquet"),
                       "--model", str(linked_model), "--resume")
        assert result.exit_code == 0, result.output
        table = pq.read_table(tmp_path / "out.parquet")
        assert str(table.schema.field("target").type) == "int32" and "d4" in table.column("doc_id").to_pylist()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_sentence_mode_links_records_of_one_doc_id_by_record_id(tmp_path, linked_model, suffix):
    result = label(str(write_sentences(tmp_path / "in.jsonl")), "-o", str(tmp_path / f"out{suffix}"),
                   "--model", str(linked_model), "--unit", "sentence")
    assert result.exit_code == 0, result.output
    records = {r["doc_id"]: r for r in read_records(tmp_path / f"out{suffix}")}
    group = {r["id"]: r.get("doc_id") for r in SENTENCES}
    assert records["s2"]["target"] == "s1" and records["t2"]["target"] == "t1"
    for record_id, record in records.items():
        if record.get("target") is not None:
            assert group[record["target"]] == group[record_id] is not None
            assert record["target"] != record_id and record["relation"] in ("support", "attack")
    assert records["lone"].get("target") is None, "a record without doc_id is a document of its own"
    jsonl = label(str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out.jsonl"), "--model", str(linked_model),
                  "--unit", "sentence")
    assert jsonl.exit_code == 0, jsonl.output
    lone = next(r for r in read_records(tmp_path / "out.jsonl") if r["doc_id"] == "lone")
    assert {k: lone[k] for k in LINK_COLUMNS} == dict.fromkeys(LINK_COLUMNS)


def test_a_model_without_a_link_model_writes_records_as_before(tmp_path, plain_model):
    source = write_documents(tmp_path / "in.jsonl")
    assert label(str(source), "-o", str(tmp_path / "out.jsonl"), "--model", str(plain_model)).exit_code == 0
    assert label(str(source), "-o", str(tmp_path / "out.csv"), "--model", str(plain_model)).exit_code == 0
    for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines():
        assert not set(LINK_COLUMNS) & json.loads(line).keys()
    assert all(r.get("target") is None for r in read_records(tmp_path / "out.csv"))


def _legacy_csv(path: Path, source: Path, plain_model: Path, tmp_path: Path) -> None:
    """An output as argmine wrote it before the link columns: its first document only."""
    assert label(str(source), "-o", str(tmp_path / "full.jsonl"), "--model", str(plain_model)).exit_code == 0
    first = [r for r in read_records(tmp_path / "full.jsonl") if r["doc_id"] == "d1"]
    log = commitlog.AppendLog.create(path, _csv_text([LEGACY_COLUMNS]))
    log.append(_csv_text([csv_row(r, LEGACY_COLUMNS) for r in first]))
    log.close()


def test_resuming_an_output_without_link_columns_works_without_links_and_refuses_with_them(
        tmp_path, plain_model, linked_model):
    source = write_documents(tmp_path / "in.jsonl")
    old = tmp_path / "old.csv"
    _legacy_csv(old, source, plain_model, tmp_path)
    shutil.copy(old, tmp_path / "copy.csv")
    shutil.copy(commitlog.progress_path(old), commitlog.progress_path(tmp_path / "copy.csv"))

    refused = label(str(source), "-o", str(old), "--model", str(linked_model), "--resume")
    assert refused.exit_code == 1
    assert "without the link columns" in refused.output and "--force" in refused.output
    assert {r["doc_id"] for r in read_records(old)} == {"d1"}, "nothing was appended"

    resumed = label(str(source), "-o", str(tmp_path / "copy.csv"), "--model", str(plain_model), "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert read_csv_header(tmp_path / "copy.csv") == list(LEGACY_COLUMNS)
    assert {r["doc_id"] for r in read_records(tmp_path / "copy.csv")} == set(TEXTS)


def test_resuming_parquet_parts_without_link_columns_keeps_their_schema(tmp_path, plain_model, linked_model):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from argmine.batch.schema import arrow_schema, flatten

    source = write_documents(tmp_path / "in.jsonl")
    assert label(str(source), "-o", str(tmp_path / "full.jsonl"), "--model", str(plain_model)).exit_code == 0
    first = [flatten(r) for r in read_records(tmp_path / "full.jsonl") if r["doc_id"] == "d1"]
    out = tmp_path / "old.parquet"
    out.mkdir()
    rows = [{c: row[c] for c in LEGACY_COLUMNS} for row in first]
    pq.write_table(pa.Table.from_pylist(rows, schema=arrow_schema(LEGACY_COLUMNS)), out / "part-00000000.parquet")

    refused = label(str(source), "-o", str(out), "--model", str(linked_model), "--resume")
    assert refused.exit_code == 1 and "without the link columns" in refused.output
    resumed = label(str(source), "-o", str(out), "--model", str(plain_model), "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert pq.read_table(out).column_names == list(LEGACY_COLUMNS), "all parts read as one table"
    assert {r["doc_id"] for r in read_records(out)} == set(TEXTS)


def test_an_unreadable_link_model_stops_the_run_before_writing(tmp_path, plain_model):
    (plain_model / "links").mkdir()
    (plain_model / "links" / "config.json").write_text("{not json", encoding="utf-8")
    result = label(str(write_documents(tmp_path / "in.jsonl")), "-o", str(tmp_path / "out.jsonl"),
                   "--model", str(plain_model))
    assert result.exit_code == 1
    assert "cannot load" in result.output and "argmine links train" in result.output
    assert not (tmp_path / "out.jsonl").exists()


def test_a_link_model_trained_on_another_sentence_model_stops_the_run_before_writing(tmp_path, link_model):
    other = FakeLabeler()
    other.version = "fake-0"  # the sentence model this link model was trained beside; the run labels with fake-1
    model_dir = tmp_path / "stale"
    root = write_link_corpus(tmp_path / "annotations", n_docs=4, paragraphs=2)
    LinkModel(vectors=LabelerVectors(other)).fit(documents_from_records(load_corpus(root)),
                                                 load_links(root)).save(model_dir / "links")
    result = label(str(write_documents(tmp_path / "in.jsonl")), "-o", str(tmp_path / "out.jsonl"),
                   "--model", str(model_dir))
    assert result.exit_code == 1
    assert "'fake-0'" in result.output and "'fake-1'" in result.output and "argmine links train" in result.output
    assert not (tmp_path / "out.jsonl").exists()
    # The Ray engine checks the same on the driver, before Ray starts (standard input is refused after it).
    (model_dir / "training.json").write_text(json.dumps({"version": "fake-1"}), encoding="utf-8")
    result = label("-", "-o", str(tmp_path / "out.jsonl"), "--model", str(model_dir), "--engine", "ray")
    assert result.exit_code == 1 and "'fake-0', not 'fake-1'" in result.output


def test_list_items_of_an_html_file_may_back_the_sentence_that_introduces_them(tmp_path, linked_model):
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>Citizens should vote online in every election.</p><ul>"
                    "<li>In 2019 turnout rose by 12 percent.</li><li>In 2021 it rose by 9 percent.</li></ul>"
                    "<p>Parties must publish their budgets online.</p></body></html>", encoding="utf-8")
    result = label(str(page), "-o", str(tmp_path / "out.jsonl"), "--model", str(linked_model))
    assert result.exit_code == 0, result.output
    (sentences,) = by_doc(list(read_records(tmp_path / "out.jsonl"))).values()
    assert [sentences[k]["role"] for k in sorted(sentences)] == ["claim", "premise", "premise", "claim"]
    assert sentences[1]["target"] == 0 and 3 not in [s["target"] for s in sentences.values()]
