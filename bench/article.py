"""An article written for these tests (no text from elsewhere), as headings and sentences.

Each block is ``(kind, [sentences])``; a paragraph's text is its sentences joined by
one space. The renderers lay the blocks out; the tests check the sentences come back.
"""

from __future__ import annotations

TITLE = "Digital Petitions and the Quiet Ministry"
ABSTRACT = [
    "This paper follows a fictional ministry that opened an online petition portal in a mid-sized country.",
    "We describe how citizens used the portal during its first three years and how officials answered them.",
    "The evidence suggests that visible replies matter more than the number of signatures collected.",
]
FOOTNOTE_MARK = "1"
FOOTNOTE = ("The figures come from a survey designed for this study and are rounded to whole numbers; "
            "they describe an invented country.")
HEADER = "Journal of Invented Governance"

BODY: list[tuple[str, list[str]]] = [
    ("heading", ["Introduction"]),
    ("paragraph", [
        "Governments often promise that digital tools will bring citizens closer to decision making.",
        "The promise is easy to make and hard to keep, because a portal changes little when nobody reads what arrives.",
        "Our ministry of transport launched its petition service in spring with a modest budget and three staff members.",
        "Within a month the service had received more than two thousand proposals about roads, buses and cycling lanes.",
    ]),
    ("paragraph", [
        "Most proposals were short and practical.",
        "A typical one asked for a pedestrian crossing near a school or a later timetable for night buses.",
        "Officials sorted them by district and by cost, and they published a monthly summary on the front page.",
    ]),
    ("heading", ["How the portal worked"]),
    ("paragraph", [
        "Any resident over sixteen could open a petition after confirming an email address.",
        "A petition needed five hundred signatures within ninety days to receive a written answer from the minister.",
        "Petitions with ten thousand signatures were debated by a parliamentary committee, which met every second month.",
        "The thresholds were copied from neighbouring countries without much thought about local population sizes.",
    ]),
    ("paragraph", [
        "In the first year about forty percent of the petitions crossed the lower threshold.",
        "Turnout among young residents rose sharply after the portal appeared on a popular television programme." + FOOTNOTE_MARK,
        "Older residents signed fewer petitions, but their petitions more often reached the committee.",
    ]),
    ("heading", ["What changed for officials"]),
    ("paragraph", [
        "Staff members reported that the volume of letters fell while the number of phone calls stayed the same.",
        "Several officials said the public summaries forced departments to agree on answers faster than before.",
        "Others complained that the portal rewarded campaigns with money for advertising rather than careful arguments.",
        "The ministry responded by publishing the reasons behind every refusal in plain language.",
    ]),
    ("paragraph", [
        "Critics warned that a petition portal can become a substitute for real consultation.",
        "When a government answers every petition with the same polite paragraph, trust declines quickly.",
        "Our interviews show that residents noticed such replies and stopped signing within a few months.",
    ]),
    ("heading", ["Recommendations"]),
    ("list", [
        "Publish every answer together with the reasons behind it.",
        "Adjust the thresholds to the size of the electorate.",
        "Give staff the time and the authority to reply within a month.",
    ]),
    ("heading", ["Discussion"]),
    ("paragraph", [
        "The case suggests three lessons for designers of participation platforms in public administration.",
        "First, an answer that explains a decision earns more trust than a decision that simply agrees with the crowd.",
        "Second, thresholds should follow the size of the electorate and not the example of a larger neighbour.",
        "Third, staff need time and authority to respond, or the portal turns into a mailbox that nobody empties.",
    ]),
    ("paragraph", [
        "These lessons are modest, and a single invented ministry cannot prove them.",
        "They nevertheless describe conditions under which an electronic channel strengthens ordinary democratic accountability.",
        "Further work should compare ministries that answer quickly with those that answer late or not at all.",
    ]),
]
# Words the paragraphs are long enough to be hyphenated at: the renderers split these at line ends.


def sentences(with_abstract: bool = True, with_title: bool = True) -> list[str]:
    """Every authored sentence (headings included) in reading order, without the footnote."""
    out = [TITLE] if with_title else []
    if with_abstract:
        out += ["Abstract"] + ABSTRACT
    for _, block in BODY:
        out += block
    return out


BOILERPLATE_HTML = [
    "Accept all cookies to continue browsing our site.",
    "We use cookies to measure how visitors read our pages.",
    "Home", "Politics", "Subscribe to our newsletter for weekly updates.",
    "Copyright 2026 Invented Daily.", "All rights reserved.",
    "Share this article on social media.",
    "Great article, thanks for writing it!",
    "Related: Ten facts about bus timetables you never needed.",
]
