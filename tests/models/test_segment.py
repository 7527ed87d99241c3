from argmine.models.segment import normalize, segment

MESSY = """INTRODUCTION
Nowadays the Internet is well-known. Mr. Smith of the U.S. said, e.g., that 3.5 per cent of
citizens use infor-
mation systems. He said "It works." Then he left.

- first bullet item
- second bullet that wraps
  over a line
The society.The role of A.A. Chesnokova and E. Corrado grew? Yes!"""


def sentences(text: str) -> list[str]:
    return [s.text for s in segment(text)]


def test_offsets_map_back_to_the_text():
    for s in segment(MESSY):
        assert MESSY[s.start:s.end] == s.text
        assert s.text == s.text.strip()


def test_every_non_blank_character_is_in_exactly_one_sentence():
    covered = [0] * len(MESSY)
    for s in segment(MESSY):
        for i in range(s.start, s.end):
            covered[i] += 1
    assert all(c == 1 for c, ch in zip(covered, MESSY) if not ch.isspace())
    assert max(covered) == 1


def test_heading_without_full_stop_is_its_own_sentence():
    assert sentences(MESSY)[0] == "INTRODUCTION"


def test_abbreviations_initials_and_decimals_do_not_end_sentences():
    found = sentences(MESSY)
    assert any(s.startswith("Mr. Smith of the U.S. said, e.g., that 3.5 per cent") for s in found)
    assert "The role of A.A. Chesnokova and E. Corrado grew?" in found


def test_quotations_and_bullets_split_where_a_reader_would():
    found = sentences(MESSY)
    assert 'He said "It works."' in found
    assert "Then he left." in found
    assert "- first bullet item" in found
    assert "- second bullet that wraps\n  over a line" in found


def test_sentences_glued_by_pdf_extraction_are_split():
    assert "The society." in sentences(MESSY)


def test_hyphenation_across_lines_is_undone_for_the_model_only():
    (hyphenated,) = [s for s in segment(MESSY) if "infor-" in s.text]
    assert "infor-\nmation" in hyphenated.text
    assert "information systems" in hyphenated.clean


def test_wrapped_paragraph_lines_are_not_headings():
    text = "The government launched a portal that lets\nCitizens file complaints online and track them.\n"
    assert sentences(text) == ["The government launched a portal that lets\nCitizens file complaints online and track them."]


def test_empty_and_blank_text_give_no_sentences():
    assert segment("") == []
    assert segment("  \n\n ") == []


def test_normalize_collapses_whitespace():
    assert normalize("  e-govern-\n  ment\tworks  ") == "e-government works"


def test_numbered_headings_and_list_numbers_stay_whole():
    text = "1. INTRODUCTION\nE-government grew fast. It was 2. Not everyone agreed.\n\nII. Results of the survey\nMost citizens who answered the survey use the portal at least once a month."
    assert sentences(text) == ["1. INTRODUCTION", "E-government grew fast.", "It was 2.", "Not everyone agreed.",
                               "II. Results of the survey",
                               "Most citizens who answered the survey use the portal at least once a month."]


def test_a_long_paragraph_segments_in_linear_time():
    """100k characters in one paragraph took 16 s when each stop sliced the rest of the text."""
    import time

    paragraph = ("Citizens should vote online. Turnout rose by 12 percent in 2019. " * 2000)[:100_000]
    started = time.perf_counter()
    sentences = segment(paragraph)
    assert time.perf_counter() - started < 1.0
    assert len(sentences) > 3000 and all(paragraph[s.start:s.end] == s.text for s in sentences)
