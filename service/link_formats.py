"""Stored links out and in: argmine JSONL both ways; CSV edge list, GraphML and AIF out.

The graph formats are the ones ``argmine links export`` writes for a corpus
(``models.link_outputs``), fed with stored links. A stored sentence has no
``sent_id``, so a node is named by its document and its first character:
``doc_id:start``. Node labels (role, stance, risk) come from the newest stored
annotation with the same offsets, where there is one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from argmine.models.link_outputs import export as graph_export
from argmine.models.links import Link
from argmine.service.formats import ImportFormatError
from argmine.service.formats import json_items as objects  # JSONL, a JSON array or one object, read as annotations are

LinkFormat = Literal["jsonl", "csv", "graphml", "aif"]
MEDIA_TYPES: dict[str, str] = {"jsonl": "application/x-ndjson", "csv": "text/csv",
                               "graphml": "application/graphml+xml", "aif": "application/json"}
EXTENSIONS = {"jsonl": "jsonl", "csv": "csv", "graphml": "graphml", "aif": "json"}
# Keys an export writes that an import does not read: ids and bookkeeping of the service that wrote it.
IGNORED = {"id", "created", "created_at", "created_by", "updated_at", "updated_by"}
LINE_FIELDS = ("doc_id", "source_start", "source_end", "target_start", "target_end", "source_text", "target_text",
               "type", "annotator", "created_at", "created_by", "updated_at", "updated_by")


def jsonl_lines(links: Iterable[dict[str, Any]]) -> Iterator[str]:
    for link in links:
        yield json.dumps({k: link.get(k) for k in LINE_FIELDS}, ensure_ascii=False) + "\n"


def graph(links: list[dict[str, Any]], annotations: Iterable[dict[str, Any]], fmt: str) -> str:
    """``csv``, ``graphml`` or ``aif`` of stored links; ``annotations``: the stored ones of their documents."""
    labels: dict[tuple[str, int, int], dict[str, Any]] = {}
    for a in annotations:  # in id order: the newest annotation of a span wins
        if a.get("doc_id") is not None and a.get("start") is not None and a.get("end") is not None:
            labels[(a["doc_id"], a["start"], a["end"])] = a
    nodes: dict[tuple[str, int], dict[str, Any]] = {}
    edges: list[Link] = []
    for link in links:
        for end in ("source", "target"):
            start, stop = link[f"{end}_start"], link[f"{end}_end"]
            node = nodes.setdefault((link["doc_id"], start), {"doc_id": link["doc_id"], "sent_id": start})
            node["text"] = link.get(f"{end}_text") or node.get("text", "")
            found = labels.get((link["doc_id"], start, stop))
            if found is not None:
                node.update(text=node["text"] or found["text"], role=found["role"], stance=found["stance"],
                            risk=found["risk"])
        edges.append(Link(link["doc_id"], link["source_start"], link["target_start"], link["type"], 1.0))
    return graph_export(sorted(nodes.values(), key=lambda n: (n["doc_id"], n["sent_id"])), edges, fmt)


def parse(body: str) -> list[tuple[str, dict[str, Any]]]:
    """(where, fields) for each link of JSONL, a JSON array or one JSON object; bookkeeping keys of an
    export dropped; nothing validated yet."""
    out = []
    for where, item in objects(body):
        if not isinstance(item, dict):
            raise ImportFormatError([f"{where}: expected a JSON object, found {type(item).__name__}"])
        out.append((where, {k: v for k, v in item.items() if k not in IGNORED}))
    if not out:
        raise ImportFormatError(["the upload holds no link; send one JSON object per line, as GET "
                                 "/v1/links/export writes them"])
    return out
