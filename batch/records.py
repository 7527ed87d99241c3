"""What readers yield: a document to label, or a record that cannot be labelled."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from argmine.extraction import Extracted


@dataclass(frozen=True)
class Document:
    doc_id: str
    text: str
    # Input fields other than id and text, carried into every output record as ``meta``.
    meta: dict[str, Any] = field(default_factory=dict)
    # Where the document came from ("corpus.jsonl:line 12"), for messages.
    where: str = ""
    # For a PDF, HTML or DOCX file: what extraction found (``text`` is its text; PDF pages).
    extracted: "Extracted | None" = None


@dataclass(frozen=True)
class BadRecord:
    """A record that is reported, counted and skipped (or stops the run)."""

    where: str
    # A short fixed phrase ("empty text", "not UTF-8") that the summary line counts by.
    reason: str
    detail: str = ""

    def message(self) -> str:
        return f"{self.where}: {self.reason}" + (f" ({self.detail})" if self.detail else "")
