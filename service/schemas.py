"""Request and response bodies. Requests are strict: wrong types and unknown keys are refused.

Label values are ``Literal`` types built from ``models.scheme``, so an unknown
label is a 422 naming the allowed values, and the OpenAPI docs list them.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from argmine.models.scheme import ROLES, STANCES
from argmine.training.config import TrainConfig

Role = Literal[ROLES]  # type: ignore[valid-type]
Stance = Literal[STANCES]  # type: ignore[valid-type]


def _integral(value: Any) -> Any:
    """JSON has one number type: 12.0 is an integer to JSON Schema, so it is one here too."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def _json_numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_numbers(v) for v in value]
    return _integral(value)


# Offsets and ids fit a 32-bit INTEGER column, the smallest any supported database has.
MAX_INT = 2**31 - 1
Offset = Annotated[int, Field(ge=0, le=MAX_INT), BeforeValidator(_integral)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


# Exactly the characters ``str.strip()`` removes (``str.isspace``), as a JSON-Schema class, so
# the schema's "non-blank" and the code's agree on every engine (ECMA, Python, Rust).
# tests/service/test_openapi_contract.py checks the list against ``str.isspace``.
WHITESPACE = r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NON_BLANK = f"[^{WHITESPACE}]"  # a search, not a match: one such character anywhere


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("text is empty; send at least one non-blank character")
    return value


def from_settings(**limits: str) -> dict[str, Any]:
    """Schema keywords whose value is a setting, e.g. ``maxLength="max_chars"``; filled in per app
    by ``service.openapi``, so the document states the limits this service enforces."""
    return {"x-settings": limits}


# ---- labelling --------------------------------------------------------------------------
class DocumentIn(Strict):
    id: str | None = Field(None, max_length=200, description="Echoed back; defaults to the position, '0', '1', ...")
    text: str = Field(description="The document as it is; offsets in the answer index into this exact string. "
                                  "At least one non-blank character.",
                      json_schema_extra={"pattern": NON_BLANK, **from_settings(maxLength="max_chars")})

    _text = field_validator("text")(_not_blank)


class LabelRequest(Strict):
    documents: list[DocumentIn] = Field(min_length=1, json_schema_extra=from_settings(maxItems="max_documents"))


class SentenceOut(BaseModel):
    sent_id: int
    start: int = Field(description="Offset of the first character, in Unicode code points (Python str indices).")
    end: int = Field(description="Offset after the last character: text[start:end] is the sentence.")
    text: str
    role: Role
    stance: Stance
    risk: bool
    probabilities: dict[str, dict[str, float]]
    entropy: dict[str, float]
    uncertainty: float = Field(description="Largest normalised entropy over the three heads, 0 (sure) to 1.")
    model_version: str
    page: int | None = Field(None, description="PDF input only: the 1-based page the sentence starts on.")


class LinkOut(BaseModel):
    source: int = Field(description="sent_id of the sentence that argues.")
    target: int = Field(description="sent_id of the sentence it supports or attacks.")
    type: Literal["support", "attack"]
    probability: float


class DocumentOut(BaseModel):
    id: str
    sentences: list[SentenceOut]
    text: str | None = Field(None, description="PDF, HTML or DOCX input only: the extracted text that "
                                               "start/end index into.")
    format: str | None = Field(None, description="PDF, HTML or DOCX input only: pdf, html or docx.")
    links: list[LinkOut] | None = Field(None, description="Which sentence supports or attacks which; null where "
                                                          "the model has no link model.")


class LabelResponse(BaseModel):
    documents: list[DocumentOut]


# ---- annotations --------------------------------------------------------------------------
class AnnotationIn(Strict):
    text: str = Field(max_length=100_000, description="At least one non-blank character.",
                      json_schema_extra={"pattern": NON_BLANK})
    role: Role
    stance: Stance
    risk: bool
    doc_id: str | None = Field(None, max_length=200)
    start: Offset | None = None
    end: Offset | None = None
    annotator: str | None = Field(None, max_length=200, description=(
        "Ignored by POST /v1/annotations: the annotator is the name of the token that sends it. "
        "An admin's import keeps it (restoring a backup keeps who labelled what)."))
    note: str | None = Field(None, max_length=10_000)

    _text = field_validator("text")(_not_blank)
    # No end > start rule: JSON Schema cannot compare two fields, and the document must say
    # every rule enforced. Offsets are the annotator's reference into their document, not read here.


class AnnotationsIn(Strict):
    annotations: list[AnnotationIn] = Field(min_length=1, json_schema_extra=from_settings(maxItems="max_annotations"))


class AnnotationOut(BaseModel):
    id: int
    text: str
    role: Role
    stance: Stance
    risk: bool
    doc_id: str | None
    start: int | None
    end: int | None
    annotator: str | None
    note: str | None
    created_at: str | None
    created_by: str | None = Field(None, description="The name of the token that stored it.")


class StoredAnnotation(AnnotationOut):
    created: bool = Field(description="False when the same sentence with the same labels was already stored.")


class AddAnnotationsOut(BaseModel):
    created: int
    duplicates: int
    items: list[StoredAnnotation]


class AnnotationPage(BaseModel):
    items: list[AnnotationOut]
    total: int = Field(description="Annotations matching the filters, over all pages.")
    next_after: int | None = Field(description="Pass as ?after= for the next page; null on the last.")


def import_record_schemas() -> dict[str, Any]:
    """JSON Schemas of one imported record, argmine's own or doccano's (``formats.detect`` tells
    them apart). Keys an export adds and the import ignores (``formats.IGNORED``) are allowed."""
    from argmine.models.scheme import HEADS
    from argmine.service.formats import IGNORED

    ignored = {key: {"description": "Ignored."} for key in sorted(IGNORED)}
    argmine = AnnotationIn.model_json_schema()
    argmine["properties"].update(ignored)
    argmine["properties"]["risk"] = {"anyOf": [{"type": "boolean"}, {"enum": ["true", "false"]}],
                                     "description": "Label Studio's JSON-MIN export writes it as a string."}
    argmine["title"] = "ArgmineRecord"
    names = {head: [f"{head}:{value}" for value in labels] for head, labels in HEADS.items()}
    label = {"type": "array", "items": {"enum": [n for head in HEADS for n in names[head]]},
             "description": "One label per head, e.g. [\"role:claim\", \"stance:none\", \"risk:false\"].",
             "allOf": [{"contains": {"enum": names[head]}, "minContains": 1, "maxContains": 1} for head in HEADS]}
    extra = {k: v for k, v in argmine["properties"].items() if k in ("doc_id", "start", "end", "annotator", "note")}
    doccano = {"title": "DoccanoRecord", "type": "object", "additionalProperties": False,
               "properties": {"text": argmine["properties"]["text"], "label": label, "labels": label,
                              "meta": {"description": "Extra columns; doc_id, start, end, annotator, note are read."},
                              **extra, **{k: v for k, v in ignored.items() if k not in ("label", "labels")}},
               "required": ["text"], "anyOf": [{"required": ["label"]}, {"required": ["labels"]}],
               "not": {"required": ["data"]}}
    return {"ArgmineRecord": argmine, "DoccanoRecord": doccano}


class ImportOut(BaseModel):
    format: str = Field(description="The format of the records read: jsonl, doccano, label-studio, or mixed.")
    read: int
    created: int
    duplicates: int


# ---- stored links -----------------------------------------------------------------------
LinkType = Literal["support", "attack"]


def _link_rules(link: "LinkIn") -> "LinkIn":
    from argmine.service.link_store import problems_of

    found = problems_of(link.model_dump())
    if found:
        raise ValueError("; ".join(found))
    return link


class LinkIn(Strict):
    """One link: the source sentence supports or attacks the target sentence. Both ends are in the
    document doc_id names. Refused with 422: an end that is no span (start >= end), a link from a
    sentence to itself, overlapping ends (JSON Schema cannot compare two fields, so these rules are
    stated here rather than in the schema)."""

    doc_id: str = Field(min_length=1, max_length=200, description="The document of both sentences.")
    source_start: Offset = Field(description="Offset of the source sentence's first character.")
    source_end: Offset = Field(description="Offset after the source sentence's last character.")
    target_start: Offset
    target_end: Offset
    source_text: str | None = Field(None, max_length=100_000, description="The source sentence, for reading.")
    target_text: str | None = Field(None, max_length=100_000, description="The target sentence, for reading.")
    type: LinkType
    annotator: str | None = Field(None, max_length=200, description=(
        "Ignored by POST /v1/links: the annotator is the name of the token that sends it. "
        "An admin's import keeps it."))

    @model_validator(mode="after")
    def _rules(self) -> "LinkIn":
        return _link_rules(self)


def link_record_schema() -> dict[str, Any]:
    """One imported link: LinkIn, plus the keys an export adds and the import ignores."""
    from argmine.service.link_formats import IGNORED

    record = LinkIn.model_json_schema()
    record["properties"].update({key: {"description": "Ignored."} for key in sorted(IGNORED)})
    record["title"] = "LinkRecord"
    return record


class LinksIn(Strict):
    links: list[LinkIn] = Field(min_length=1, json_schema_extra=from_settings(maxItems="max_annotations"))


class LinkChange(Strict):
    """A new type and/or a new target; what is not sent stays. The rules of LinkIn apply to the result."""

    type: LinkType | None = None
    target_start: Offset | None = None
    target_end: Offset | None = None
    target_text: str | None = Field(None, max_length=100_000)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude_none=True)


class StoredLinkOut(BaseModel):
    id: int
    doc_id: str
    source_start: int
    source_end: int
    target_start: int
    target_end: int
    source_text: str | None
    target_text: str | None
    type: LinkType
    annotator: str
    created_at: str | None
    created_by: str | None = Field(None, description="The name of the token that stored it.")
    updated_at: str | None = Field(None, description="When its type or target last changed; null if never.")
    updated_by: str | None = None


class AddedLink(StoredLinkOut):
    created: bool = Field(description="False when this person already stored the same link.")


class AddLinksOut(BaseModel):
    created: int
    duplicates: int
    items: list[AddedLink]


class LinkPage(BaseModel):
    items: list[StoredLinkOut]
    total: int = Field(description="Links matching the filters, over all pages.")
    next_after: int | None = Field(description="Pass as ?after= for the next page; null on the last.")


class LinkImportOut(BaseModel):
    read: int
    created: int
    duplicates: int


# ---- suggestions ------------------------------------------------------------------------
class Suggestion(BaseModel):
    doc_id: str
    sent_id: int
    start: int
    end: int
    text: str
    role: Role
    stance: Stance
    risk: bool
    probabilities: dict[str, dict[str, float]]
    uncertainty: float
    model_version: str
    before: str | None = Field(None, description="The sentence before it in its document, as context.")
    after: str | None = Field(None, description="The sentence after it in its document, as context.")


class SuggestionsOut(BaseModel):
    items: list[Suggestion]


# ---- models and training ------------------------------------------------------------------
class TwinOut(BaseModel):
    version: str = Field(description="The twin's version: the same recipe trained with the evaluation split held out.")
    metrics: dict[str, Any] | None = Field(description="The twin's macro-F1 per head and their mean on that split.")


class ModelOut(BaseModel):
    version: str
    shipped: bool
    active: bool
    created: str | None
    metrics: dict[str, Any] | None = Field(description="Macro-F1 per head and their mean on the model's own "
                                                       "evaluation split, as measured when it was trained.")
    held_out: bool = Field(True, description="False for a model trained on the evaluation split too (`holdout: "
                                             "false`, as the shipped default): it has no held-out metrics.")
    twin: TwinOut | None = Field(None, description="For such a model, its held-out twin's scores, where "
                                                   "`argmine calibrate --twin --write` recorded them: the "
                                                   "best estimate of how it does on new text.")


class ModelsOut(BaseModel):
    active: str
    models: list[ModelOut]


class ActivateOut(BaseModel):
    active: str
    previous: str | None


class TrainRequest(Strict):
    force: bool = Field(False, description="Activate the new model even if it scores worse than the active one.")
    config: TrainConfig = Field(default_factory=TrainConfig,
                                description="Overrides of the service's training config; only the keys sent apply.")

    @field_validator("config", mode="before")
    @classmethod
    def _strict_config(cls, value: Any) -> Any:
        """Strict as JSON is (no ``false`` for a number, no ``"3"`` for an integer), unlike config
        files, whose YAML writes 1e-4 as a string; JSON mode reads arrays as tuples."""
        if isinstance(value, dict):
            return TrainConfig.model_validate_json(json.dumps(_json_numbers(value)), strict=True)
        return value

    @field_validator("config")
    @classmethod
    def _held_out(cls, value: TrainConfig) -> TrainConfig:
        """The service activates a new model only if it beats the active one on the held-out
        sections, so it never trains on them."""
        if not value.holdout:
            raise ValueError("holdout: false is for `argmine train`; the service compares each new model with the "
                             "active one on the held-out sections, so it never trains on them")
        if value.link_roles_from is not None:
            raise ValueError("link_roles_from names a file on the server; set it in the service's training config "
                             "(ARGMINE_TRAIN_CONFIG), not in a request")
        return value

    def overrides(self) -> dict[str, Any]:
        return self.config.model_dump(exclude_unset=True)


class JobOut(BaseModel):
    id: str
    status: Literal["running", "succeeded", "failed", "cancelled"]
    progress: float
    stage: str | None
    created_at: str
    finished_at: str | None
    force: bool
    config: dict[str, Any]
    annotations: int = Field(description="Stored annotations the job trained on, beside the corpus.")
    version: str | None = Field(description="The new model's version, once trained.")
    baseline_version: str | None = Field(description="The model that was active when the job started.")
    metrics: dict[str, Any] | None = Field(description="New model on the fixed evaluation split.")
    baseline_metrics: dict[str, Any] | None = Field(description="Baseline model on the same records.")
    activated: bool
    decision: str | None
    error: str | None
    created_by: str | None = Field(None, description="Who started it: the name of the token that asked.")


class JobsOut(BaseModel):
    jobs: list[JobOut]


# ---- errors ----------------------------------------------------------------------------------
class ErrorOut(BaseModel):
    error: str = Field(description="A stable machine-readable kind, e.g. validation_error, overloaded.")
    detail: str = Field(description="What was expected, what was found, and what to do.")
    errors: list[dict[str, Any]] | None = None
