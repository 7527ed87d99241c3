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
# Of those, the ones that abbreviate only before a number ("No. 7", "Art. 5"): "The answer was no." ends.
_BEFORE_NUMBERS = {"no", "nos", "vol", "pp", "p", "art", "sec", "para", "ch", "eq", "ref"}
_BULLET = re.compile(r"[ \t]*(?:[-*\u2022\u2013\u2014\u00b7\u25aa\u25cf]|\(?\d{1,3}[.)]|\(?[a-z][.)])[ \t]+\S")
_TERMINAL = ".!?"
_CLOSERS = "\"'\u201d\u2019)]\u00bb"
_OPENERS = "\"'\u201c\u2018([\u00ab"
# A footnote marker set right after the full stop: "reaction.[4]", "2022.[8][9]", "Internet.7", "state.\u00b9".
_MARKER = r"(?:(?:\[\d{1,3}(?:[,\u2013-]\s?\d{1,3})*\])+|\d{1,3}|[\u00b9\u00b2\u00b3\u2070-\u2079]{1,3})"
# A candidate boundary: terminal punctuation, optional closers, an optional marker, whitespace.
_CANDIDATE = re.compile(r"[.!?\u2026]+[" + re.escape(_CLOSERS) + r"]*(?P<marker>" + _MARKER + r")?(?=\s)")
# "Figure 1." or "Table 2.3." opening a caption: the label's full stop is not a sentence end.
_LABEL = re.compile(r"(?:^|(?<=\s))(?:figure|fig\.|table|chart|box|map|graph|exhibit|panel|appendix|annex|"
                    r"scheme|plate|illustration|diagram|photo)\s+(?:[A-Z]?\d+(?:\.\d+)*[a-z]?|[IVX]{1,5})$", re.I)
# Words that open a sentence after a heading whose line break was lost ("Results The survey ...").
_STARTERS = {
    "The", "This", "These", "That", "Those", "There", "It", "Its", "In", "On", "At", "As", "By", "For", "From",
    "With", "Within", "We", "Our", "They", "Their", "He", "She", "His", "Her", "Many", "Most", "Some", "Several",
    "Each", "Every", "Such", "Since", "When", "While", "Although", "Though", "Because", "If", "After", "Before",
    "During", "Today", "Nowadays", "However", "Moreover", "Furthermore", "Therefore", "Thus", "Here", "Among",
    "Despite", "Unlike", "Until", "Following", "Recent", "According", "Governments", "Citizens",
}
_FUNCTION_WORDS = {"of", "and", "the", "in", "for", "on", "to", "a", "an", "with", "by", "from", "at", "vs", "or",
                   "&", "-", "\u2013", "\u2014"}
_NUMBERING = re.compile(r"(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,5}\.|[A-H]\.)")
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
        for piece in _split_unit(text, start, end):
            for s, e in _split_heading(text, *_strip(text, *piece)):
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
    return (len(stripped) < 0.6 * len(following) or stripped.isupper() or stripped.istitle()
            or _heading_words(stripped.split()))


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
    marker = _CANDIDATE.match(chunk, punct_at)
    if marker and marker.group("marker") and marker.group("marker")[0].isdigit():
        # A bare number after a full stop is a footnote marker only after a word: "Internet.7",
        # never a decimal ("3.5 Million") or a section number ("4.2 The").
        if not _after_closers(chunk, punct_at).isalpha():
            return False
    if chunk[punct_at] != ".":
        return True
    label = _LABEL.search(chunk, _label_from(chunk, punct_at), punct_at)
    if label:
        i = label.start()
        while i > 0 and chunk[i - 1] in " \t":
            i -= 1
        if i == 0 or chunk[i - 1] == "\n" or _after_closers(chunk, i) in tuple(_TERMINAL):
            return False  # a caption's label: "Figure 1. Share of citizens online"
    token = _word_before(chunk, punct_at).lstrip(_OPENERS).lower()
    if token in _NEVER_FINAL and not (token in _BEFORE_NUMBERS and not first.isdigit()):
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


def _after_closers(chunk: str, at: int) -> str:
    """The character before ``at`` once closing quotes and brackets are skipped ("" at the start)."""
    while at > 0 and chunk[at - 1] in _CLOSERS:
        at -= 1
    return chunk[at - 1] if at > 0 else ""


def _label_from(chunk: str, punct_at: int) -> int:
    """Where a caption label ending at ``punct_at`` would start: the two words before it.

    ``_LABEL`` is searched from there only, so a stop costs the length of its label,
    not of the paragraph before it (searching ``chunk[:punct_at]`` was quadratic).
    """
    i = punct_at - 1 if punct_at > 0 and chunk[punct_at - 1] == "\n" else punct_at
    while i > 0 and not chunk[i - 1].isspace():
        i -= 1
    while i > 0 and chunk[i - 1].isspace():
        i -= 1
    while i > 0 and not chunk[i - 1].isspace():
        i -= 1
    return i


_DOMAIN_AFTER = re.compile(r"[\w-]+\.[a-z]{2,}")


def _glued_boundary(chunk: str, at: int) -> bool:
    token = _word_before(chunk, at - 1).lower()
    # "www.Gov.kz" or "e.g.The": dotted tokens are names or abbreviations, not sentences;
    # "www.Fateha.com": what follows the full stop is the rest of a web address.
    if token.endswith("www") or "@" in token or _DOMAIN_AFTER.match(chunk, at):
        return False
    return "." not in token and "/" not in token and token not in _NEVER_FINAL


def _split_heading(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A heading whose line break was lost, cut from the sentence it ran into.

    "Results and Discussion The survey shows ..." or "INTRODUCTION Nowadays the ...":
    a run of capitalised (or upper-case) words and numbering, then a word that
    typically opens a sentence. Title-case runs also need a lower-case word after
    the opener, so names ("Plan A was", "NATO Secretary General") stay whole.
    """
    tokens = [(m.start(), m.group()) for m in re.finditer(r"\S+", text[start:min(end, start + 160)])]
    for k in range(1, min(len(tokens) - 1, 11)):
        word, after = tokens[k][1], tokens[k + 1][1]
        if word not in _STARTERS:
            continue
        prefix = [t for _, t in tokens[:k]]
        if not _heading_words(prefix):
            break
        upper = all(_NUMBERING.fullmatch(t) or (t.isupper() and t.isalpha()) for t in prefix)
        upper = upper and any(t.isalpha() and len(t) >= 3 for t in prefix)
        if upper or after[:1].islower():
            cut = start + tokens[k][0]
            return [(start, cut), (cut, end)]
    return [(start, end)]


def _heading_words(prefix: list[str]) -> bool:
    """Numbering, then capitalised words with small words between them, ending in a capitalised one."""
    words = prefix[1:] if _NUMBERING.fullmatch(prefix[0]) and len(prefix) > 1 else prefix
    if not any(w[:1].isalpha() for w in words):
        return False  # "1 The figures ...": a footnote's number, not a heading
    if words[0] in _FUNCTION_WORDS or words[-1] in _FUNCTION_WORDS or words[0] in _STARTERS:
        return False
    for word in words:
        if word in _FUNCTION_WORDS:
            continue
        if not (word[:1].isupper() or word[:1].isdigit()) or word[-1] in ".,;:!?\"'\u201d)" or "." in word:
            return False
    return True


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e
