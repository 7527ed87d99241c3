"""The Ray engine on a local 2-CPU instance gives the local engine's labels.

Skipped without Ray (an optional extra: pip install -e ".[ray]"); marked slow
because starting Ray and its actors takes tens of seconds.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from argmine.batch.errors import BadRecordError
from argmine.batch.job import LabelJob
from argmine.batch.local import label_local
from argmine.batch.writers import read_records
from tests.batch.conftest import InterruptingLabeler, corpus, write_csv, write_folder, write_jsonl
from tests.fakes import FakeLabeler

ray = pytest.importorskip("ray", reason='Ray is an optional extra: pip install -e ".[ray]"')
pytest.importorskip("ray.data", reason='Ray Data is missing: pip install -e ".[ray]"')
from argmine.batch.ray_engine import label_ray  # noqa: E402

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    # Workers import tests.fakes (the factory) from the repository root.
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
    yield
    ray.shutdown()


def messy_inputs(tmp_path: Path) -> list[str]:
    write_folder(tmp_path / "folder", corpus(5))
    (tmp_path / "folder" / "empty.txt").write_text(" ")
    jsonl = write_jsonl(tmp_path / "in.jsonl", [(f"j{i}", t) for i, (_, t) in enumerate(corpus(9))],
                        source="web", lang="en")  # meta keys out of sorted order: order must survive
    with open(jsonl, "ab") as out:
        out.write(b'{"id": "bad", "text": "caf\xe9"}\n{"id": "j0", "text": "A duplicate."}\n')
    csv = write_csv(tmp_path / "in.csv", [(f"c{i}", t) for i, (_, t) in enumerate(corpus(4))])
    return [str(tmp_path / "folder"), str(jsonl), str(csv)]


def job(inputs, output: Path, **kwargs) -> LabelJob:
    return LabelJob(tuple(inputs), output, progress=False, chunk_size=3, **kwargs)


def by_sentence(path: Path) -> list[str]:
    """Records as JSON text, so even the order of keys in ``meta`` is compared."""
    return [json.dumps(r) for r in sorted(read_records(path), key=lambda r: (r["doc_id"], r["sent_id"]))]


def test_ray_gives_the_same_records_and_counts_as_local(tmp_path):
    inputs = messy_inputs(tmp_path)
    local = label_local(job(inputs, tmp_path / "local.jsonl"), FakeLabeler())
    remote = label_ray(job(inputs, tmp_path / "ray.parquet"), FakeLabeler, "fake-1")
    assert by_sentence(tmp_path / "ray.parquet") == by_sentence(tmp_path / "local.jsonl")
    assert (remote.documents, remote.sentences, remote.skipped) == (local.documents, local.sentences, local.skipped)
    assert remote.skipped == Counter({"empty text": 1, "not UTF-8": 1, "duplicate id": 1})


def test_ray_resumes_a_local_run_and_fails_on_bad_records_when_asked(tmp_path):
    inputs = messy_inputs(tmp_path)
    out = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        label_local(job(inputs, out), InterruptingLabeler(after=2))
    before = {r["doc_id"] for r in read_records(out)}
    stats = label_ray(job(inputs, out, resume=True), FakeLabeler, "fake-1")
    assert len(before) == 6
    assert stats.resumed == len(before) + 1  # the duplicate "j0" line names a complete document too
    counts = Counter(r["doc_id"] for r in read_records(out) if r["sent_id"] == 0)
    assert len(counts) == 5 + 9 + 4 and set(counts.values()) == {1}

    with pytest.raises(BadRecordError, match="not UTF-8|empty text"):
        label_ray(job(inputs, tmp_path / "strict.jsonl", on_error="fail"), FakeLabeler, "fake-1")


@pytest.fixture(scope="module")
def linked_model(tmp_path_factory) -> Path:
    """A model directory whose link model reads the fake labeler's vectors."""
    from argmine.models.link_features import documents_from_records
    from argmine.models.links import LinkModel
    from argmine.models.sentence_vectors import LabelerVectors
    from argmine.training.corpus import load_corpus, load_links
    from tests.link_corpus import write_link_corpus

    root = write_link_corpus(tmp_path_factory.mktemp("links") / "annotations", n_docs=6, paragraphs=3)
    model_dir = tmp_path_factory.mktemp("linked")
    LinkModel(vectors=LabelerVectors(FakeLabeler())).fit(documents_from_records(load_corpus(root)),
                                                         load_links(root)).save(model_dir / "links")
    return model_dir


def test_ray_writes_the_same_links_as_local_in_document_and_sentence_mode(tmp_path, linked_model):
    from argmine.batch.links import linker_for
    from tests.batch.test_links import SENTENCES, TEXTS

    documents = write_jsonl(tmp_path / "docs.jsonl", list(TEXTS.items()))
    sentences = tmp_path / "sentences.jsonl"
    sentences.write_text("".join(json.dumps(r) + "\n" for r in SENTENCES), encoding="utf-8")
    for unit, source in (("document", documents), ("sentence", sentences)):
        labeler = FakeLabeler()
        # One chunk, so sentence-mode groups are linked whole by both engines; the same format, so
        # records compare key for key (flat formats read records without a link in their old shape).
        local = LabelJob((str(source),), tmp_path / f"local-{unit}.parquet", unit=unit, progress=False)
        label_local(local, labeler, linker=linker_for(linked_model, labeler, unit))
        remote = LabelJob((str(source),), tmp_path / f"ray-{unit}.parquet", unit=unit, progress=False)
        label_ray(remote, FakeLabeler, "fake-1", links_dir=linked_model / "links")
        expected = by_sentence(tmp_path / f"local-{unit}.parquet")
        assert by_sentence(tmp_path / f"ray-{unit}.parquet") == expected
        linked = [json.loads(r) for r in expected if json.loads(r).get("target") is not None]
        assert linked, f"{unit} mode: the premises back the claims next to them"
        assert {type(r["target"]) for r in linked} == ({int} if unit == "document" else {str})
