"""The annotated corpus on disk: ``annotations/*.jsonl`` over ``annotations/documents/*.txt``.

Checks everything a training run silently depends on (label values, offsets,
coverage of each document, unique ids) and loads the records with the document
and paragraph ("section") of every sentence, so that splits never put one
paragraph on both sides.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argmine.models.context import MAX_WINDOW, in_context
from argmine.training.jsonl import json_objects
from argmine.models.scheme import ROLES, STANCES

SOURCES = ("seed", "authored", "user")
REQUIRED: dict[str, type | tuple[type, ...]] = {
    "doc_id": str, "sent_id": int, "text": str, "start": int, "end": int,
    "role": str, "stance": str, "risk": bool, "source": str,
}


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class CorpusError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"the corpus has {len(problems)} problem(s):\n{shown}{more}")


def annotation_files(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).glob("*.jsonl"))


def read_records(root: Path) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Every record with its file and line, plus problems found on the way."""
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for path in annotation_files(root):
        for number, record, problem in json_objects(path):
            if record is None:
                problems.append(Problem(str(path), number, problem or ""))
                continue
            record_problems = check_record(record)
            problems += [Problem(str(path), number, m) for m in record_problems]
            if not record_problems:
                records.append({**record, "_file": str(path), "_line": number})
    return records, problems


def check_record(record: dict[str, Any]) -> list[str]:
    problems = []
    for key, kind in REQUIRED.items():
        if key not in record:
            problems.append(f"missing field {key!r}")
        elif not isinstance(record[key], kind) or (kind is int and isinstance(record[key], bool)):
            problems.append(f"field {key!r} should be {kind.__name__}, found {record[key]!r}")
    if problems:
        return problems
    if record["role"] not in ROLES:
        problems.append(f"role {record['role']!r} is not one of {list(ROLES)}")
    if record["stance"] not in STANCES:
        problems.append(f"stance {record['stance']!r} is not one of {list(STANCES)}")
    if record["source"] not in SOURCES:
        problems.append(f"source {record['source']!r} is not one of {list(SOURCES)}")
    if not 0 <= record["start"] < record["end"]:
        problems.append(f"offsets start={record['start']} end={record['end']} are not a non-empty span")
    return problems


def validate(root: Path) -> list[Problem]:
    """All problems of the corpus under ``root``; empty when it is sound."""
    root = Path(root)
    records, problems = read_records(root)
    if not annotation_files(root):
        problems.append(Problem(str(root), None, "no *.jsonl annotation files found"))
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_doc[record["doc_id"]].append(record)
    for doc_id, doc_records in by_doc.items():
        problems += _check_document(root, doc_id, doc_records)
    problems += _link_problems(root, records)
    return problems


def _link_problems(root: Path, records: list[dict[str, Any]]) -> list[Problem]:
    """Problems of ``links/*.jsonl`` (kept apart in ``link_corpus.py`` so sentence checks stay short)."""
    from argmine.training.link_corpus import check_links

    return [Problem(*p) for p in check_links(root, records)]


def _check_document(root: Path, doc_id: str, records: list[dict[str, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    path = root / "documents" / f"{doc_id}.txt"
    first = records[0]
    if not path.exists():
        return [Problem(first["_file"], first["_line"], f"document {path} for doc_id {doc_id!r} does not exist")]
    text = path.read_text(encoding="utf-8")
    seen: dict[int, int] = {}
    for r in records:
        if r["sent_id"] in seen:
            problems.append(Problem(r["_file"], r["_line"],
                                    f"duplicate sent_id {r['sent_id']} in {doc_id!r} (first on line {seen[r['sent_id']]})"))
        seen.setdefault(r["sent_id"], r["_line"])
        if text[r["start"]:r["end"]] != r["text"]:
            problems.append(Problem(r["_file"], r["_line"],
                                    f"{doc_id}[{r['start']}:{r['end']}] is {text[r['start']:r['end']][:60]!r}, "
                                    f"not the record's text {r['text'][:60]!r}"))
    cursor = 0
    for r in sorted(records, key=lambda r: r["start"]):
        gap = text[cursor:r["start"]]
        if r["start"] < cursor:
            problems.append(Problem(r["_file"], r["_line"], f"span {r['start']}:{r['end']} overlaps the previous sentence"))
        elif gap.strip():
            problems.append(Problem(r["_file"], r["_line"],
                                    f"text before this sentence is not annotated: {doc_id}[{cursor}:{r['start']}] = {gap.strip()[:60]!r}"))
        cursor = max(cursor, r["end"])
    if text[cursor:].strip():
        problems.append(Problem(str(path), None, f"text after the last sentence is not annotated: {text[cursor:].strip()[:60]!r}"))
    return problems


def load_corpus(root: Path, sources: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Validated records with ``paragraph`` and ``section``; raises CorpusError if unsound."""
    root = Path(root)
    problems = validate(root)
    if problems:
        raise CorpusError(problems)
    records, _ = read_records(root)
    texts: dict[str, str] = {}
    out = []
    for r in records:
        if sources is not None and r["source"] not in sources:
            continue
        doc = texts.setdefault(r["doc_id"], (root / "documents" / f"{r['doc_id']}.txt").read_text(encoding="utf-8"))
        paragraph = doc.count("\n\n", 0, r["start"])
        clean = {k: v for k, v in r.items() if not k.startswith("_")}
        out.append({**clean, "paragraph": paragraph, "section": f"{r['doc_id']}#{paragraph}"})
    out.sort(key=lambda r: (r["doc_id"], r["start"]))
    return with_neighbours(out)


def with_neighbours(records: list[dict[str, Any]], window: int = MAX_WINDOW) -> list[dict[str, Any]]:
    """Adds ``before``/``after``: the texts of the nearest sentences of the same document.

    Taken from the whole document whatever the source filter or split, as a user's
    document would give them at prediction time.
    """
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_doc.setdefault(r["doc_id"], []).append(r)
    for doc in by_doc.values():
        for r, item in zip(doc, in_context([r["text"] for r in doc], window)):
            r["before"], r["after"] = list(item.before), list(item.after)
    return records


def load_links(root: Path) -> list[dict[str, Any]]:
    """Validated links (``doc_id``, ``source``, ``target``, ``type``); raises CorpusError if unsound.

    Documents with a file under ``links/`` are annotated for links (an empty file:
    annotated, no links); ``linked_documents`` names them.
    """
    from argmine.training.link_corpus import read_links

    problems = validate(root)
    if problems:
        raise CorpusError(problems)
    return read_links(Path(root))[0]


def linked_documents(root: Path) -> list[str]:
    """The doc_ids annotated for links: one ``links/<doc_id>.jsonl`` file each."""
    return sorted(p.stem for p in (Path(root) / "links").glob("*.jsonl"))


def to_dataset(records: list[dict[str, Any]]):
    """The records as a ``datasets.Dataset`` (one row per sentence)."""
    from datasets import Dataset

    columns = ["doc_id", "sent_id", "section", "paragraph", "text", "start", "end", "role", "stance", "risk", "source"]
    return Dataset.from_dict({c: [r[c] for r in records] for c in columns})


def fingerprint(root: Path) -> str:
    """A hash of every annotation, document, link and unlabelled file: which data a model saw."""
    digest = hashlib.sha256()
    root = Path(root)
    extra = sorted((root / "links").glob("*.jsonl")) + sorted((root / "unlabelled").glob("*.txt"))
    for path in annotation_files(root) + sorted((root / "documents").glob("*.txt")) + extra:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def statistics(records: list[dict[str, Any]]) -> dict[str, dict[str, Counter]]:
    """Label counts per dimension and source (plus ``all``)."""
    stats: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for r in records:
        for source in (r["source"], "all"):
            stats[source]["role"][r["role"]] += 1
            stats[source]["stance"][r["stance"]] += 1
            stats[source]["risk"][str(r["risk"]).lower()] += 1
            stats[source]["documents"][r["doc_id"]] += 1
    return stats
