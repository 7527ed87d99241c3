"""Links in outputs: on labelled documents, on sentence records, and as graph exports.

Exports are for the tools analysts use: a CSV edge list and GraphML (Gephi,
visone, networkx, igraph) and AIF JSON (argumentation tools such as OVA and
AIFdb: each sentence an I-node, each support an RA node, each attack a CA node,
with edges premise -> RA/CA -> conclusion).
"""

from __future__ import annotations

import bisect
import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from argmine.models.link_features import documents_from_records
from argmine.models.links import Link, LinkModel

Record = Mapping[str, Any]
NODE_FIELDS = ("doc_id", "sent_id", "role", "stance", "risk", "text")


def with_paragraphs(records: Sequence[Record], text: str,
                    paragraph_starts: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Sentence records with the ``paragraph`` their ``start`` offset falls in: blank lines part
    paragraphs, or, for an extracted document, ``Extracted.paragraph_starts()`` (its list items
    continue the paragraph that introduces them)."""
    if paragraph_starts:
        starts = sorted(paragraph_starts)
        return [{**r, "paragraph": max(bisect.bisect_right(starts, r["start"]) - 1, 0)} for r in records]
    return [{**r, "paragraph": text.count("\n\n", 0, r["start"])} for r in records]


def predict_links(documents: Sequence[Sequence[Record]], model: LinkModel) -> list[list[Link]]:
    """Links of each labelled document (sentence records with ``probabilities``, as labelling returns them)."""
    out = []
    for records in documents:
        docs = documents_from_records(records) if records else []
        out.append(model.predict(docs))
    return out


def document_links(links: Sequence[Link]) -> list[dict[str, Any]]:
    """The ``links`` field of a document-mode output."""
    return [{"source": l.source, "target": l.target, "type": l.type, "probability": l.probability} for l in links]


def add_link_fields(records: Sequence[Record], links: Sequence[Link]) -> list[dict[str, Any]]:
    """Sentence-mode records with ``target`` and ``relation`` (``None`` where a sentence points nowhere)
    and ``link_probability``."""
    by_source = {(l.doc_id, l.source): l for l in links}
    out = []
    for r in records:
        link = by_source.get((str(r["doc_id"]), r["sent_id"]))
        out.append({**r, "target": link.target if link else None, "relation": link.type if link else None,
                    "link_probability": link.probability if link else None})
    return out


def links_from_records(records: Sequence[Record]) -> list[Link]:
    """Links already carried by sentence records (``target`` / ``relation``), e.g. a labelled JSONL."""
    return [Link(str(r["doc_id"]), int(r["sent_id"]), int(r["target"]), str(r.get("relation") or "support"),
                 float(r.get("link_probability") or 1.0))
            for r in records if r.get("target") is not None]


def _node_id(doc_id: Any, sent_id: Any) -> str:
    return f"{doc_id}:{sent_id}"


# ---- exports ---------------------------------------------------------------------
def edges_csv(links: Sequence[Link]) -> str:
    """One row per link: ``source,target,type,probability,doc_id,source_sent_id,target_sent_id``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source", "target", "type", "probability", "doc_id", "source_sent_id", "target_sent_id"])
    for l in links:
        writer.writerow([_node_id(l.doc_id, l.source), _node_id(l.doc_id, l.target), l.type, l.probability,
                         l.doc_id, l.source, l.target])
    return buffer.getvalue()


_GRAPHML_KEYS = [("node", "doc_id", "string"), ("node", "sent_id", "int"), ("node", "role", "string"),
                 ("node", "stance", "string"), ("node", "risk", "boolean"), ("node", "text", "string"),
                 ("edge", "type", "string"), ("edge", "probability", "double")]


def _graphml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def graphml(records: Sequence[Record], links: Sequence[Link]) -> str:
    """A directed GraphML graph: every sentence a node (with its labels), every link an edge."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">']
    for domain, name, kind in _GRAPHML_KEYS:
        lines.append(f'  <key id="{name}" for="{domain}" attr.name="{name}" attr.type="{kind}"/>')
    lines.append('  <graph id="arguments" edgedefault="directed">')
    for r in records:
        lines.append(f"    <node id={quoteattr(_node_id(r['doc_id'], r['sent_id']))}>")
        for name in NODE_FIELDS:
            if name in r:
                lines.append(f'      <data key="{name}">{_graphml_value(r[name])}</data>')
        lines.append("    </node>")
    for k, l in enumerate(links):
        lines.append(f'    <edge id="e{k}" source={quoteattr(_node_id(l.doc_id, l.source))} '
                     f'target={quoteattr(_node_id(l.doc_id, l.target))}>')
        lines.append(f'      <data key="type">{l.type}</data>')
        lines.append(f'      <data key="probability">{l.probability}</data>')
        lines.append("    </edge>")
    lines += ["  </graph>", "</graphml>"]
    return "\n".join(lines) + "\n"


def aif(records: Sequence[Record], links: Sequence[Link]) -> dict[str, Any]:
    """AIF JSON (the AIFdb layout): I-nodes for the sentences that take part in a link, an RA node per
    support and a CA node per attack, edges premise -> RA/CA -> conclusion."""
    text = {(str(r["doc_id"]), r["sent_id"]): r["text"] for r in records}
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    ids: dict[tuple[str, int], str] = {}

    def i_node(doc_id: str, sent_id: int) -> str:
        if (doc_id, sent_id) not in ids:
            ids[(doc_id, sent_id)] = str(len(nodes) + 1)
            nodes.append({"nodeID": ids[(doc_id, sent_id)], "text": text.get((doc_id, sent_id), ""), "type": "I",
                          "doc_id": doc_id, "sent_id": sent_id})
        return ids[(doc_id, sent_id)]

    for r in records:
        if r.get("role", "none") != "none":
            i_node(str(r["doc_id"]), r["sent_id"])
    for l in links:
        source, target = i_node(l.doc_id, l.source), i_node(l.doc_id, l.target)
        scheme = {"nodeID": str(len(nodes) + 1), "type": "RA" if l.type == "support" else "CA",
                  "text": "Default Inference" if l.type == "support" else "Default Conflict",
                  "probability": l.probability}
        nodes.append(scheme)
        for start, end in ((source, scheme["nodeID"]), (scheme["nodeID"], target)):
            edges.append({"edgeID": str(len(edges) + 1), "fromID": start, "toID": end, "formEdgeID": None})
    return {"nodes": nodes, "edges": edges, "locutions": []}


def export(records: Sequence[Record], links: Sequence[Link], fmt: str) -> str:
    """``csv``, ``graphml`` or ``aif`` as text."""
    if fmt == "csv":
        return edges_csv(links)
    if fmt == "graphml":
        return graphml(records, links)
    if fmt == "aif":
        return json.dumps(aif(records, links), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"export format {fmt!r} is not one of csv, graphml, aif")
