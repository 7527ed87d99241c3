"""Request and response bodies. Requests are strict: wrong types and unknown keys are refused.

Label values are ``Literal`` types built from ``models.scheme``, so an unknown
label is a 422 naming the allowed values, and the OpenAPI docs list them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from argmine.models.scheme import ROLES, STANCES

Role = Literal[ROLES]  # type: ignore[valid-type]
Stance = Literal[STANCES]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("text is empty; send at least one non-blank character")
    return value


# ---- labelling --------------------------------------------------------------------------
class DocumentIn(Strict):
    id: str | None = Field(None, max_length=200, description="Echoed back; defaults to the position, '0', '1', ...")
    text: str = Field(description="The document as it is; offsets in the answer index into this exact string.")

    _text = field_validator("text")(_not_blank)


class LabelRequest(Strict):
    documents: list[DocumentIn] = Field(min_length=1)


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


class DocumentOut(BaseModel):
    id: str
    sentences: list[SentenceOut]
    text: str | None = Field(None, description="PDF, HTML or DOCX input only: the extracted text that "
                                               "start/end index into.")
    format: str | None = Field(None, description="PDF, HTML or DOCX input only: pdf, html or docx.")


class LabelResponse(BaseModel):
    documents: list[DocumentOut]


# ---- annotations --------------------------------------------------------------------------
class AnnotationIn(Strict):
    text: str = Field(max_length=100_000)
    role: Role
    stance: Stance
    risk: bool
    doc_id: str | None = Field(None, max_length=200)
    start: int | None = Field(None, ge=0)
    end: int | None = Field(None, ge=0)
    annotator: str | None = Field(None, max_length=200, description=(
        "Ignored by POST /v1/annotations: the annotator is the name of the token that sends it. "
        "An admin's import keeps it (restoring a backup keeps who labelled what)."))
    note: str | None = Field(None, max_length=10_000)

    _text = field_validator("text")(_not_blank)

    @field_validator("end")
    @classmethod
    def _span(cls, end: int | None, info) -> int | None:
        start = info.data.get("start")
        if end is not None and start is not None and end <= start:
            raise ValueError(f"end ({end}) must be greater than start ({start})")
        return end


class AnnotationsIn(Strict):
    annotations: list[AnnotationIn] = Field(min_length=1)


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


class ImportOut(BaseModel):
    format: str
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
class ModelOut(BaseModel):
    version: str
    shipped: bool
    active: bool
    created: str | None
    metrics: dict[str, Any] | None = Field(description="Macro-F1 per head and their mean on the model's own "
                                                       "evaluation split, as measured when it was trained.")


class ModelsOut(BaseModel):
    active: str
    models: list[ModelOut]


class ActivateOut(BaseModel):
    active: str
    previous: str | None


class TrainRequest(Strict):
    force: bool = Field(False, description="Activate the new model even if it scores worse than the active one.")
    config: dict[str, Any] = Field(default_factory=dict,
                                   description="Training config overrides (keys of training.config.TrainConfig).")


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
