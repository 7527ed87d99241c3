"""Link annotations on disk: ``annotations/links/<doc_id>.jsonl``, one link per line.

A link record is ``{"doc_id", "source", "target", "type"}`` with ``source`` and
``target`` the ``sent_id``s of two sentences of that document (label scheme,
section 4). These checks run inside ``argmine annotations validate``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from argmine.training.jsonl import json_objects

LINK_TYPES: tuple[str, ...] = ("support", "attack")
LINK_FIELDS: dict[str, type] = {"doc_id": str, "source": int, "target": int, "type": str}

# (path, line or None, message): the fields of ``corpus.Problem``, without importing it back.
RawProblem = tuple[str, "int | None", str]


def link_files(root: Path) -> list[Path]:
    return sorted((Path(root) / "links").glob("*.jsonl"))


def _field_problems(record: dict[str, Any]) -> list[str]:
    problems = []
    for key, kind in LINK_FIELDS.items():
        if key not in record:
            problems.append(f"missing field {key!r}")
        elif not isinstance(record[key], kind) or isinstance(record[key], bool):
            problems.append(f"field {key!r} should be {kind.__name__}, found {record[key]!r}")
    if not problems and record["type"] not in LINK_TYPES:
        problems.append(f"type {record['type']!r} is not one of {list(LINK_TYPES)}")
    return problems


def read_links(root: Path) -> tuple[list[dict[str, Any]], list[RawProblem]]:
    """Links with well-formed fields (sorted), and the problems of the others."""
    links: list[dict[str, Any]] = []
    problems: list[RawProblem] = []
    for path in link_files(root):
        for number, record, problem in json_objects(path):
            if record is None:
                problems.append((str(path), number, problem or ""))
                continue
            found = _field_problems(record)
            if not found and record["doc_id"] != path.stem:
                # The file name says which documents are annotated for links, so it must match.
                found.append(f"doc_id {record['doc_id']!r} in the links file of {path.stem!r}")
            problems += [(str(path), number, m) for m in found]
            if not found:
                links.append({**{k: record[k] for k in LINK_FIELDS}, "_file": str(path), "_line": number})
    links.sort(key=lambda r: (r["doc_id"], r["source"], r["target"]))
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in links], problems


def check_links(root: Path, records: list[dict[str, Any]]) -> list[RawProblem]:
    """Every problem of the link files against the sentence records of the corpus."""
    _, problems = read_links(root)
    roles = {(r["doc_id"], r["sent_id"]): r["role"] for r in records}
    documents = {r["doc_id"] for r in records}
    for path in link_files(root):
        if path.stem not in documents:
            problems.append((str(path), None, f"links for {path.stem!r}, which has no annotated sentences"))
    sources: Counter = Counter()
    for path in link_files(root):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            try:
                link = json.loads(line) if line.strip() else None
            except json.JSONDecodeError:
                continue
            if not isinstance(link, dict) or _field_problems(link) or link["doc_id"] != path.stem:
                continue
            problems += [(str(path), number, m) for m in _link_problems(link, roles, sources)]
    return problems


def _link_problems(link: dict[str, Any], roles: dict[tuple[str, int], str], sources: Counter) -> list[str]:
    doc, out = link["doc_id"], []
    for end in ("source", "target"):
        role = roles.get((doc, link[end]))
        if role is None:
            out.append(f"{end} sent_id {link[end]} is not a sentence of {doc!r}")
        elif role == "none":
            out.append(f"{end} sent_id {link[end]} has role 'none', which takes no link")
    if link["source"] == link["target"]:
        out.append(f"sentence {link['source']} links to itself")
    sources[(doc, link["source"])] += 1
    if sources[(doc, link["source"])] == 2:
        out.append(f"sentence {link['source']} of {doc!r} has a second target (at most one per sentence)")
    return out
