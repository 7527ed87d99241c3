"""What every reader returns: the extracted text and where each unit of it came from."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["title", "heading", "paragraph", "list_item", "footnote", "table_cell"]
# Units are joined by a blank line, which the segmenter never lets a sentence cross.
SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Unit:
    """``text[start:end]`` of the extracted text: one heading, paragraph, list item or footnote."""

    start: int
    end: int
    kind: Kind
    page: int | None = None  # 1-based PDF page of the unit's first character


@dataclass(frozen=True)
class Extracted:
    text: str
    units: tuple[Unit, ...]
    format: str  # "pdf", "html" or "docx"
    pages: int | None = None
    # PDF only: (start, page) where each run of characters from one page begins, ascending.
    page_starts: tuple[tuple[int, int], ...] = field(default=())

    def paragraph_starts(self) -> list[int]:
        """Where each paragraph of the argument begins: every unit begins one, except a list item, which
        continues the paragraph before it (the sentence that introduces a list is what its items argue for,
        and a text file writes such a list without blank lines). What link candidates are kept within."""
        return [u.start for k, u in enumerate(self.units) if u.kind != "list_item" or k == 0]

    def page_at(self, offset: int) -> int | None:
        """The page the character at ``offset`` was printed on (None outside PDFs)."""
        if not self.page_starts:
            return None
        i = bisect.bisect_right([s for s, _ in self.page_starts], offset) - 1
        return self.page_starts[max(i, 0)][1]


class TextBuilder:
    """Appends units with their pages and keeps the offsets honest."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.units: list[Unit] = []
        self.page_starts: list[tuple[int, int]] = []

    def add(self, pieces: list[tuple[str, int | None]], kind: Kind) -> None:
        """One unit made of ``(text, page)`` pieces that are already joined as they should read."""
        pieces = [(t, p) for t, p in pieces if t]
        if not "".join(t for t, _ in pieces).strip():
            return
        if self._parts:
            self._append(SEPARATOR, None)
        start = self._length
        for text, page in pieces:
            self._append(text, page)
        self.units.append(Unit(start, self._length, kind, pieces[0][1]))

    def _append(self, text: str, page: int | None) -> None:
        if page is not None and (not self.page_starts or self.page_starts[-1][1] != page):
            self.page_starts.append((self._length, page))
        self._parts.append(text)
        self._length += len(text)

    def build(self, fmt: str, pages: int | None = None) -> Extracted:
        return Extracted("".join(self._parts), tuple(self.units), fmt, pages, tuple(self.page_starts))
