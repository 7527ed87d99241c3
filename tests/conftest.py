"""Shared fixtures: a tiny corpus on disk in the real format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from argmine.models.segment import segment

pytest_plugins = ["tests.databases"]  # `databases` / `database_url`: each test once on SQLite, once on PostgreSQL

TINY_DOCS = {
    "tiny-a": (
        "E-Participation\n\nOnline petitions let citizens speak to parliament directly. "
        "In 2023 the portal received 12,000 petitions. Hackers could manipulate online votes.\n\n"
        "NGOs and independent media use the same tools to organise. The government must fund rural access."
    ),
    "tiny-b": (
        "The portal changed nothing for most people. Surveillance of users is a growing risk.\n\n"
        "G2B stands for Government-to-Business. Estonia introduced internet voting in 2005."
    ),
}
TINY_LABELS = {
    "tiny-a": [("none", "none", False), ("claim", "populist", False), ("premise", "none", False),
               ("claim", "skeptical", True), ("claim", "pluralist", False), ("claim", "none", True)],
    "tiny-b": [("claim", "skeptical", False), ("claim", "skeptical", True), ("none", "none", False),
               ("premise", "none", False)],
}

# (source, target, type) per document, by sent_id; written only when asked (``links=True``).
TINY_LINKS = {
    "tiny-a": [(2, 1, "support"), (3, 1, "attack")],
    "tiny-b": [(1, 0, "support")],
}


def write_links(root: Path, links: dict[str, list[tuple[int, int, str]]]) -> None:
    """``links/<doc_id>.jsonl`` in the real format."""
    (root / "links").mkdir(parents=True, exist_ok=True)
    for doc_id, rows in links.items():
        (root / "links" / f"{doc_id}.jsonl").write_text(
            "".join(json.dumps({"doc_id": doc_id, "source": s, "target": t, "type": k}) + "\n" for s, t, k in rows),
            encoding="utf-8")


def write_corpus(root: Path, sources: dict[str, str] | None = None, links: bool = False) -> Path:
    """The tiny corpus in the real on-disk format; ``sources`` maps doc_id to its source;
    ``links`` adds the link annotations of ``TINY_LINKS``."""
    (root / "documents").mkdir(parents=True, exist_ok=True)
    for doc_id, text in TINY_DOCS.items():
        (root / "documents" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        sentences = segment(text)
        assert len(sentences) == len(TINY_LABELS[doc_id])
        with (root / f"{doc_id}.jsonl").open("w", encoding="utf-8") as f:
            for i, (s, (role, stance, risk)) in enumerate(zip(sentences, TINY_LABELS[doc_id])):
                f.write(json.dumps({"doc_id": doc_id, "sent_id": i, "text": s.text, "start": s.start, "end": s.end,
                                    "role": role, "stance": stance, "risk": risk,
                                    "source": (sources or {}).get(doc_id, "authored")}) + "\n")
    if links:
        write_links(root, TINY_LINKS)
    return root


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "annotations")


@pytest.fixture
def tiny_linked_corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "annotations", links=True)
