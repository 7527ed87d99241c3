"""Annotation import and export: argmine JSONL, Label Studio JSON, doccano JSONL.

Pure functions from stored annotations to text and back, so each round trip is a
unit test. Parsers return ``(where, fields)`` pairs; field values are checked by
the caller's schema, which reports problems by ``where`` (a line or task number).

Label Studio: tasks with ``data.text`` and one annotation whose results are
``choices`` named ``role``, ``stance`` and ``risk`` (see ``LABEL_STUDIO_CONFIG``,
the labelling interface to paste into a Label Studio project).
doccano: a text classification project whose labels are ``role:claim``,
``stance:skeptical``, ``risk:true`` ...; each line ``{"text", "label": [...]}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from argmine.models.scheme import HEADS

Format = Literal["jsonl", "label-studio", "doccano"]
FORMATS: tuple[str, ...] = ("jsonl", "label-studio", "doccano")
MEDIA_TYPES: dict[str, str] = {"jsonl": "application/x-ndjson", "label-studio": "application/json",
                               "doccano": "application/x-ndjson"}
EXTENSIONS: dict[str, str] = {"jsonl": "jsonl", "label-studio": "json", "doccano": "jsonl"}

EXPORTED = ("text", "role", "stance", "risk", "doc_id", "start", "end", "annotator", "note")
# Keys other tools (or argmine itself) add that say nothing about the annotation:
# an export's ids, corpus bookkeeping, and /v1/label output, which can be corrected
# and imported as is.
IGNORED = {"id", "created_at", "created_by", "created", "sent_id", "source", "section", "paragraph",
           "probabilities", "entropy", "uncertainty", "model_version", "comments", "Comments"}

Parsed = list[tuple[str, dict[str, Any]]]


class ImportFormatError(ValueError):
    """The upload is not in the announced format; ``problems`` says where and why."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "; ".join(problems[:10]) + (f"; ... and {len(problems) - 10} more" if len(problems) > 10 else "")
        super().__init__(shown)


def validated(parsed: Iterable[tuple[str, dict[str, Any]]], model: type[BaseModel]) -> list[dict[str, Any]]:
    """Each parsed record as ``model`` dumps it, or ImportFormatError listing every problem by where it is:
    an import is all or nothing."""
    valid: list[dict[str, Any]] = []
    problems: list[str] = []
    for where, fields in parsed:
        try:
            valid.append(model.model_validate(fields).model_dump())
        except ValidationError as exc:
            problems += [f"{where}: {'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors()]
    if problems:
        raise ImportFormatError(problems)
    return valid


LABEL_STUDIO_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="role" toName="text" choice="single" showInline="true">
""" + "".join(f'    <Choice value="{v}"/>\n' for v in HEADS["role"]) + """  </Choices>
  <Choices name="stance" toName="text" choice="single" showInline="true">
""" + "".join(f'    <Choice value="{v}"/>\n' for v in HEADS["stance"]) + """  </Choices>
  <Choices name="risk" toName="text" choice="single" showInline="true">
""" + "".join(f'    <Choice value="{v}"/>\n' for v in HEADS["risk"]) + """  </Choices>
  <TextArea name="note" toName="text" rows="2" placeholder="note (optional)"/>
</View>
"""


def _compact(annotation: dict[str, Any]) -> dict[str, Any]:
    return {k: annotation[k] for k in EXPORTED if annotation.get(k) is not None}


# ---- export ---------------------------------------------------------------------------
def export_lines(annotations: Iterable[dict[str, Any]], fmt: Format) -> Iterator[str]:
    """The export as chunks of text, streamed: one line per annotation (JSONL formats)
    or the pieces of one JSON array (Label Studio)."""
    if fmt == "jsonl":
        for a in annotations:
            yield json.dumps(_compact(a), ensure_ascii=False) + "\n"
    elif fmt == "doccano":
        for a in annotations:
            yield json.dumps(to_doccano(a), ensure_ascii=False) + "\n"
    elif fmt == "label-studio":
        yield "["
        for i, a in enumerate(annotations):
            yield ("," if i else "") + "\n" + json.dumps(to_label_studio(a), ensure_ascii=False)
        yield "\n]\n"
    else:  # pragma: no cover - the route validates the format
        raise ValueError(f"unknown format {fmt!r}")


def to_doccano(a: dict[str, Any]) -> dict[str, Any]:
    labels = [f"role:{a['role']}", f"stance:{a['stance']}", f"risk:{str(bool(a['risk'])).lower()}"]
    meta = {k: a[k] for k in ("doc_id", "start", "end", "annotator", "note") if a.get(k) is not None}
    return {"text": a["text"], "label": labels, **meta}


def to_label_studio(a: dict[str, Any]) -> dict[str, Any]:
    data = {"text": a["text"], **{k: a[k] for k in ("doc_id", "start", "end", "annotator") if a.get(k) is not None}}
    result = [_choice(head, a[head] if head != "risk" else str(bool(a["risk"])).lower()) for head in HEADS]
    if a.get("note"):
        result.append({"from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": [a["note"]]}})
    return {"data": data, "annotations": [{"result": result}]}


def _choice(head: str, value: str) -> dict[str, Any]:
    return {"from_name": head, "to_name": "text", "type": "choices", "value": {"choices": [value]}}


# ---- import ---------------------------------------------------------------------------
def parse(body: str, fmt: Format) -> Parsed:
    if fmt == "jsonl":
        return parse_jsonl(body)
    if fmt == "doccano":
        return parse_doccano(body)
    if fmt == "label-studio":
        return parse_label_studio(body)
    raise ValueError(f"unknown format {fmt!r}")  # pragma: no cover


def detect(item: Any) -> Format:
    """Which format a record is in, from its keys: they do not overlap between the three."""
    if isinstance(item, dict) and ("data" in item or "annotations" in item or "completions" in item):
        return "label-studio"
    if isinstance(item, dict) and ("label" in item or "labels" in item):
        return "doccano"
    return "jsonl"


def parse_any(body: str) -> tuple[Parsed, set[str]]:
    """Records of any of the three formats, each recognised by its keys, and the formats seen.

    An upload with no record at all is refused: it is almost always the wrong file.
    Label Studio tasks nobody annotated are records, skipped without a problem.
    """
    out: Parsed = []
    problems: list[str] = []
    seen: set[str] = set()
    for where, item in json_items(body):
        fmt = detect(item)
        seen.add(fmt)
        try:
            if fmt == "label-studio":
                fields = _label_studio_task(item)
                if fields is not None:
                    out.append((where, fields))
            elif fmt == "doccano":
                out.append((where, _doccano_item(where, item)))
            else:  # argmine's own, or Label Studio's JSON-MIN export (flat, risk as "true"/"false")
                fields = _fields(where, item)
                if "risk" in fields:
                    fields["risk"] = _risk(fields["risk"])
                out.append((where, fields))
        except ImportFormatError as exc:
            problems += exc.problems
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
    if not seen and not problems:
        problems.append("the upload holds no record; send JSONL lines or a JSON array of annotations")
    if problems:
        raise ImportFormatError(problems)
    return out, seen


def json_items(body: str) -> Iterator[tuple[str, Any]]:
    """Objects of a JSONL body, of a JSON array (doccano's JSON export), or one JSON object."""
    stripped = body.lstrip()
    if stripped.startswith("{") and "\n" in stripped.rstrip():  # one pretty-printed object, or JSONL
        try:
            yield "item 1", json.loads(body)
            return
        except json.JSONDecodeError:
            pass  # JSONL: one object per line
    if stripped.startswith("["):
        try:
            items = json.loads(body)
        except json.JSONDecodeError as exc:
            raise ImportFormatError([f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]) from exc
        yield from ((f"item {i}", item) for i, item in enumerate(items, start=1))
        return
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFormatError([f"line {number}: not valid JSON ({exc.msg})"]) from exc


def _fields(where: str, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ImportFormatError([f"{where}: expected a JSON object, found {type(item).__name__}"])
    return {k: v for k, v in item.items() if k not in IGNORED}


def parse_jsonl(body: str) -> Parsed:
    return [(where, _fields(where, item)) for where, item in json_items(body)]


def parse_doccano(body: str) -> Parsed:
    out: Parsed = []
    problems: list[str] = []
    for where, item in json_items(body):
        try:
            out.append((where, _doccano_item(where, item)))
        except ImportFormatError as exc:
            problems += exc.problems
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
    if problems:
        raise ImportFormatError(problems)
    return out


def _doccano_item(where: str, item: Any) -> dict[str, Any]:
    fields = _fields(where, item)
    labels = fields.pop("label", fields.pop("labels", None))
    meta = fields.pop("meta", None)
    if isinstance(meta, dict):  # doccano versions that nest extra columns
        fields = {**{k: v for k, v in meta.items() if k in EXPORTED}, **fields}
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ValueError("'label' should be a list like [\"role:claim\", \"stance:none\", \"risk:false\"]")
    fields.update(_labels_from_names(labels))
    return fields


def _labels_from_names(labels: list[str]) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for name in labels:
        head, sep, value = name.partition(":")
        if not sep or head not in HEADS:
            raise ValueError(f"label {name!r} is not of the form role:..., stance:... or risk:...")
        if head in chosen:
            raise ValueError(f"more than one {head} label")
        chosen[head] = value
    missing = [h for h in HEADS if h not in chosen]
    if missing:
        raise ValueError(f"no {' / '.join(missing)} label among {labels}")
    chosen["risk"] = _risk(chosen["risk"])
    return chosen


def _risk(value: Any) -> Any:
    """"true"/"false" as Label Studio and doccano carry it; anything else is left for the schema to refuse."""
    return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value


def parse_label_studio(body: str) -> Parsed:
    try:
        tasks = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ImportFormatError([f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]) from exc
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise ImportFormatError(["a Label Studio export is a JSON list of tasks"])
    out: Parsed = []
    problems: list[str] = []
    for i, task in enumerate(tasks, start=1):
        where = f"task {i}"
        if not isinstance(task, dict):
            problems.append(f"{where}: expected an object")
            continue
        try:
            fields = _label_studio_task(task)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if fields is not None:
            out.append((where, fields))
    if problems:
        raise ImportFormatError(problems)
    return out


def _label_studio_task(task: dict[str, Any]) -> dict[str, Any] | None:
    """One annotation from a task; None for a task nobody has labelled yet."""
    if "data" not in task and "text" in task:  # the JSON-MIN export: flat keys
        fields = {k: v for k, v in task.items() if k in EXPORTED}
        fields["risk"] = _risk(fields.get("risk"))
        return fields
    data = task.get("data")
    if not isinstance(data, dict) or "text" not in data:
        raise ValueError("no data.text")
    annotations = [a for a in task.get("annotations", task.get("completions", []))
                   if isinstance(a, dict) and not a.get("was_cancelled")]
    if not annotations:
        return None
    latest = annotations[-1]  # Label Studio lists annotations oldest first
    fields = {k: data[k] for k in ("text", "doc_id", "start", "end", "annotator") if k in data}
    completed_by = latest.get("completed_by")
    if "annotator" not in fields and isinstance(completed_by, dict) and completed_by.get("email"):
        fields["annotator"] = completed_by["email"]
    for result in latest.get("result", []):
        name, value = result.get("from_name"), result.get("value", {})
        if name in HEADS:
            choices = value.get("choices") or []
            if len(choices) != 1:
                raise ValueError(f"{name!r} should have exactly one choice, found {choices}")
            fields[name] = choices[0]
        elif name == "note" and value.get("text"):
            fields["note"] = "\n".join(value["text"])
    missing = [h for h in HEADS if h not in fields]
    if missing:
        raise ValueError(f"the annotation has no choice for {', '.join(missing)}")
    fields["risk"] = _risk(fields["risk"])
    return fields
