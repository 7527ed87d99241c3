"""The PDF layout's line joining, on hand-made lines."""

from argmine.extraction.pdf_layout import Line, _join


def line(text: str) -> Line:
    return Line(text, 0, 100, 0, 10, 10, False, 1)


def test_a_hyphen_at_a_line_end_is_dropped_unless_the_document_spells_the_compound_with_it():
    vocabulary = {"e-government", "portal"}
    pieces = _join([line("the infor-"), line("mation on e-"), line("government portals")], vocabulary)
    assert "".join(t for t, _ in pieces) == "the information on e-government portals"


def test_a_capitalised_word_after_a_hyphen_keeps_the_hyphen():
    pieces = _join([line("the Franco-"), line("German plan")], set())
    assert "".join(t for t, _ in pieces) == "the Franco-German plan"
