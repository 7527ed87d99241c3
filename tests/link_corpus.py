"""A small generated corpus with argument structure, for link-model tests.

Each paragraph states a claim and backs it with premises (markers such as
"for example", numbers), sometimes answers it with an objection ("However,
critics ..."), and sometimes gives its evidence first and the claim last
("Therefore ..."), so the nearest preceding claim is not always right.
Every sentence is written here; the structure is deterministic for a seed.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from tests.conftest import write_links

TOPICS = ["online petitions", "the e-government portal", "internet voting", "open budget data",
          "the digital identity card", "municipal forums online", "the tax website", "mobile public services"]
PLACES = ["Estonia", "Kenya", "Brazil", "Korea", "India", "Chile", "Norway", "Ghana"]
CLAIMS = ["{t} should be extended to every region.", "{t} brings government closer to citizens.",
          "{t} has changed little for ordinary people.", "{t} must be protected against abuse."]
PREMISES = ["For example, in {p} {n} percent of residents used {t} last year.",
            "In {y} a national survey found that {n} percent of users trusted {t}.",
            "Because {t} cuts queues, officials in {p} answer requests within {n} days.",
            "According to the ministry, {t} saved {n} million hours of waiting."]
ATTACKS = ["However, critics say {t} mostly serves the image of the state.",
           "But hackers in {p} showed that {t} can be manipulated."]
LEAD_CLAIMS = ["Therefore, {t} deserves public money.", "So {t} is worth the cost."]
NONE = ["Section {n}.", "Figure {n} shows the survey form."]


def _fill(template: str, rng: random.Random) -> str:
    text = template.format(t=rng.choice(TOPICS), p=rng.choice(PLACES), n=rng.randint(2, 90),
                           y=rng.randint(2005, 2023))
    return text[0].upper() + text[1:]


def _paragraph(rng: random.Random) -> tuple[list[tuple[str, str, str]], list[tuple[int, int, str]]]:
    """(text, role, stance) rows and (source, target, type) links by position in the paragraph."""
    rows: list[tuple[str, str, str]] = []
    links: list[tuple[int, int, str]] = []
    if rng.random() < 0.2:
        rows.append((_fill(rng.choice(NONE), rng), "none", "none"))
    if rng.random() < 0.3:  # evidence first, conclusion last
        n = rng.randint(1, 2)
        first = len(rows)
        rows += [(_fill(rng.choice(PREMISES), rng), "premise", "none") for _ in range(n)]
        rows.append((_fill(rng.choice(LEAD_CLAIMS), rng), "claim", "populist"))
        links += [(first + k, len(rows) - 1, "support") for k in range(n)]
        return rows, links
    claim = len(rows)
    rows.append((_fill(rng.choice(CLAIMS), rng), "claim", rng.choice(["populist", "skeptical"])))
    for _ in range(rng.randint(1, 3)):
        rows.append((_fill(rng.choice(PREMISES), rng), "premise", "none"))
        links.append((len(rows) - 1, claim, "support"))
    if rng.random() < 0.35:
        rows.append((_fill(rng.choice(ATTACKS), rng), "premise", "skeptical"))
        links.append((len(rows) - 1, claim, "attack"))
    return rows, links


def write_link_corpus(root: Path, n_docs: int = 12, paragraphs: int = 4, seed: int = 0) -> Path:
    """Documents, sentence annotations and links in the real on-disk format."""
    rng = random.Random(seed)
    (root / "documents").mkdir(parents=True, exist_ok=True)
    all_links: dict[str, list[tuple[int, int, str]]] = {}
    for d in range(n_docs):
        doc_id = f"gen-{d:02d}"
        text, records, links = "", [], []
        for _ in range(paragraphs):
            rows, para_links = _paragraph(rng)
            offset = len(records)
            if text:
                text += "\n\n"
            for k, (sentence, role, stance) in enumerate(rows):
                if k:
                    text += " "
                records.append({"doc_id": doc_id, "sent_id": len(records), "text": sentence, "start": len(text),
                                "end": len(text) + len(sentence), "role": role, "stance": stance, "risk": False,
                                "source": "authored"})
                text += sentence
            links += [(offset + s, offset + t, k) for s, t, k in para_links]
        (root / "documents" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        (root / f"{doc_id}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        all_links[doc_id] = links
    write_links(root, all_links)
    return root


def as_gold(links: dict[str, list[tuple[int, int, str]]]) -> list[dict[str, Any]]:
    return [{"doc_id": d, "source": s, "target": t, "type": k} for d, rows in links.items() for s, t, k in rows]
