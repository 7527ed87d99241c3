"""Sentence segmentation with exact character offsets.

Real input is messy: PDF extractions break lines mid-sentence and hyphenate words
across them, lists come as bullets, headings carry no full stop, and abbreviations
(Mr., U.S., e.g.) and decimals put full stops where no sentence ends. Every
sentence keeps ``text[start:end]`` as its raw span so callers can map labels back
onto the text they sent; ``clean`` is the normalised form the model reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Tokens (lower-cased, without their final ".") after which a full stop never
# ends a sentence, because they are titles or introduce what follows.
_NEVER_FINAL = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "vs", "v", "e.g", "i.e", "cf",
    "fig", "figs", "no", "nos", "vol", "pp", "p", "art", "sec", "approx", "ca", "dept",
    "gov", "rev", "hon", "gen", "col", "lt", "sgt", "capt", "mt", "op", "ed", "eds",
    "al", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "tel", "ref", "para", "ch", "eq",
}
_BULLET = re.compile(r"[ \t]*(?:[-*\u2022\u2013\u2014\u00b7\u25aa\u25cf]|\(?\d{1,3}[.)]|\(?[a-z][.)])[ \t]+\S")
_TERMINAL = ".!?"
_CLOSERS = "\"'\u201d\u2019)]\u00bb"
_OPENERS = "\"'\u201c\u2018([\u00ab"
# A candidate boundary: terminal punctuation, optional closers, whitespace.
_CANDIDATE = re.compile(r"[.!?\u2026]+[" + re.escape(_CLOSERS) + r"]*(?=\s)")
# Sentences glued by the extraction: "society.The", two+ lower-case letters first.
_GLUED = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")
_NEXT = re.compile(r"\s*(\S)")
_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*\n[ \t]*(\w)")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Sentence:
    """One sentence: ``document[start:end] == text``; ``clean`` is what the model sees."""

    start: int
    end: int
    text: str

    @property
    def clean(self) -> str:
        return normalize(self.text)


def normalize(raw: str) -> str:
    """Undo PDF line breaks: join hyphenated words, collapse whitespace."""
    joined = _HYPHEN_BREAK.sub(r"\1\2", raw)
    return _SPACE.sub(" ", joined).strip()


def segment(text: str) -> list[Sentence]:
    """Split ``text`` into sentences covering every non-blank character once."""
    sentences: list[Sentence] = []
    for start, end in _units(text):
        for s, e in _split_unit(text, start, end):
            s, e = _strip(text, s, e)
            if s < e:
                sentences.append(Sentence(s, e, text[s:e]))
    return sentences


def _units(text: str) -> list[tuple[int, int]]:
    """Spans that no sentence crosses: paragraphs, headings and list items."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    units: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    previous = ""  # the previous line of the current unit
    after_heading = in_bullet = False
    for i, (s, e) in enumerate(spans):
        line = text[s:e]
        if not line.strip():
            if current:
                units.append(current)
            current, previous, after_heading, in_bullet = None, "", False, False
            continue
        nxt = text[spans[i + 1][0]:spans[i + 1][1]] if i + 1 < len(spans) else ""
        heading = _is_heading(line, nxt, previous)
        bullet = _BULLET.match(line) is not None
        # A bullet item runs on over indented or lower-case lines; a flush,
        # capitalised line after it is running text again.
        leaves_bullet = in_bullet and not (line[:1].isspace() or line.lstrip()[:1].islower())
        if current is None or after_heading or heading or bullet or leaves_bullet:
            if current:
                units.append(current)
            current = (s, e)
            in_bullet = bullet
        else:
            current = (current[0], e)
        previous, after_heading = line, heading
    if current:
        units.append(current)
    return units


def _is_heading(line: str, nxt: str, previous: str) -> bool:
    """A short line without closing punctuation, set apart from running text."""
    stripped, following, before = line.strip(), nxt.strip(), previous.strip()
    if not stripped or not following or stripped[-1] in ".,;:!?-\u2013(" or len(stripped.split()) > 10:
        return False
    if before and before[-1] not in ".!?:" + _CLOSERS:
        return False  # mid-paragraph: a wrapped line, not a heading
    if not (following[0].isupper() or following[0].isdigit() or following[0] in _OPENERS):
        return False
    # A wrapped line of running text is about as long as the next one; a heading is short.
    return len(stripped) < 0.6 * len(following) or stripped.isupper() or stripped.istitle()


def _split_unit(text: str, start: int, end: int) -> list[tuple[int, int]]:
    chunk = text[start:end]
    cuts: list[int] = []
    for m in _CANDIDATE.finditer(chunk):
        cut = m.end()
        if _is_boundary(chunk, m.start(), cut):
            cuts.append(cut)
    cuts.extend(m.start() for m in _GLUED.finditer(chunk) if _glued_boundary(chunk, m.start()))
    pieces: list[tuple[int, int]] = []
    last = 0
    for cut in sorted(set(cuts)):
        pieces.append((start + last, start + cut))
        last = cut
    pieces.append((start + last, end))
    return pieces


def _is_boundary(chunk: str, punct_at: int, cut: int) -> bool:
    # Every look here is local (the next non-blank character, the word before): slicing
    # the rest of the chunk instead made long paragraphs quadratic (16 s for 100k characters).
    following = _NEXT.match(chunk, cut)
    if following is None:
        return False
    first = following.group(1)
    if not (first.isupper() or first.isdigit() or first in _OPENERS):
        return False
    if chunk[punct_at] != ".":
        return True
    token = _word_before(chunk, punct_at).lstrip(_OPENERS).lower()
    if token in _NEVER_FINAL:
        return False
    # A list or section number opening a line: "1. INTRODUCTION", "2. Results".
    if re.fullmatch(r"\d{1,3}|[ivx]{1,4}|[a-z]", token) and _opens_line(chunk, punct_at - len(token), punct_at):
        return False
    # Initials and dotted acronyms: "E. Corrado", "A.A. Chesnokova", "U.N. report".
    if re.fullmatch(r"(?:[a-z]\.)*[a-z]", token):
        return False
    return True


def _word_before(chunk: str, at: int) -> str:
    """The run of non-blank characters ending right before ``at`` ("" after a blank).

    As ``(\\S+)$`` read it before: ``$`` also matches before one final line break, so
    a stop that opens a line ("w\\n. Z") sees the word that ended the previous one.
    """
    end = at - 1 if at > 0 and chunk[at - 1] == "\n" else at
    start = end
    while start > 0 and not chunk[start - 1].isspace():
        start -= 1
    return chunk[start:end]


def _opens_line(chunk: str, at: int, punct_at: int) -> bool:
    """Only blanks between the start of the line holding ``punct_at`` and ``at``."""
    if chunk.rfind("\n", at, punct_at) >= 0:
        return True  # the line starts after ``at``: nothing lies between
    i = at
    while i > 0 and chunk[i - 1] != "\n":
        if not chunk[i - 1].isspace():
            return False
        i -= 1
    return True


def _glued_boundary(chunk: str, at: int) -> bool:
    token = _word_before(chunk, at - 1).lower()
    # "www.Gov.kz" or "e.g.The": dotted tokens are names or abbreviations, not sentences.
    return "." not in token and "/" not in token and token not in _NEVER_FINAL


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e
