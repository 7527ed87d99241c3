"""Small corpora in every input format, and a fake labeler that can be made to fail."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.fakes import FakeLabeler

TEXTS = [
    "Citizens should vote online. Turnout rose by 12 percent.",
    "NGOs must be heard. Hackers are a risk to e-voting.",
    "State control of data is surveillance.",
    "Parties should publish budgets. The portal had 3 million visits. It helps.",
    "E-government must serve everyone. The digital divide is real.",
    "Online petitions should reach parliament.",
]


def corpus(n: int = len(TEXTS)) -> list[tuple[str, str]]:
    """``n`` (doc_id, text) pairs cycling through TEXTS."""
    return [(f"doc-{i:03d}", TEXTS[i % len(TEXTS)]) for i in range(n)]


def write_jsonl(path: Path, docs: Sequence[tuple[str, str]], **extra) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for doc_id, text in docs:
            out.write(json.dumps({"id": doc_id, "text": text, **extra}) + "\n")
    return path


def write_csv(path: Path, docs: Sequence[tuple[str, str]], id_column: str = "id", text_column: str = "text") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([id_column, "source", text_column])
        writer.writerows([doc_id, "csv", text] for doc_id, text in docs)
    return path


def write_parquet(path: Path, docs: Sequence[tuple[str, str]], id_column: str = "id",
                  text_column: str = "text") -> Path:
    pq.write_table(pa.table({id_column: [d for d, _ in docs], text_column: [t for _, t in docs],
                             "year": [2020 + i for i in range(len(docs))]}), path)
    return path


def write_folder(root: Path, docs: Sequence[tuple[str, str]]) -> Path:
    for i, (doc_id, text) in enumerate(docs):
        path = root / ("nested" if i % 2 else "") / f"{doc_id}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


class InterruptingLabeler(FakeLabeler):
    """Raises ``error`` on predict call number ``after + 1``: a crash or Ctrl-C mid-run."""

    def __init__(self, after: int, error: BaseException | None = None):
        super().__init__()
        self.after = after
        self.error = error if error is not None else KeyboardInterrupt()

    def predict(self, texts):
        if len(self.calls) >= self.after:
            raise self.error
        return super().predict(texts)


@pytest.fixture
def fake() -> FakeLabeler:
    return FakeLabeler()
