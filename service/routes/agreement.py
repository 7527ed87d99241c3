"""GET /v1/agreement: corpus counts, Cohen's kappa between annotators, and what they disagree on."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from argmine.service.agreement import compare, count
from argmine.service.deps import Services, get_services
from argmine.training.corpus import read_records

router = APIRouter(tags=["annotations"])


class Counts(BaseModel):
    total: int
    by_label: dict[str, dict[str, int]] = Field(description="Sentences per label, for role, stance and risk.")
    by_source: dict[str, int] = Field(description="Corpus sentences per source; `user` is the stored annotations.")
    by_annotator: dict[str, int] = Field(description="Stored annotations per annotator; `(unnamed)` has none.")


class HeadAgreement(BaseModel):
    kappa: float = Field(description="Cohen's kappa; 1.0 when both used a single, identical label.")
    observed: float = Field(description="Share of the shared sentences with the same label.")
    confusions: list[dict[str, Any]] = Field(description="The most frequent (first, second) label pairs that differ.")


class PairAgreement(BaseModel):
    first: str
    second: str
    n: int = Field(description="Sentences both annotators labelled.")
    role: HeadAgreement
    stance: HeadAgreement
    risk: HeadAgreement


class Disagreement(BaseModel):
    text: str
    doc_id: str | None
    start: int | None
    end: int | None
    dimensions: list[str] = Field(description="The dimensions (role, stance, risk) on which the labels differ.")
    labels: list[dict[str, str]] = Field(description="Each annotator's latest labels for the sentence.")


class AgreementOut(BaseModel):
    counts: Counts
    sentences: int = Field(description="Stored sentences labelled by two or more named annotators.")
    annotators: list[str]
    pairs: list[PairAgreement]
    disagreements: list[Disagreement]
    disagreements_total: int


@router.get("/v1/agreement", response_model=AgreementOut, summary="Corpus counts and inter-annotator agreement")
def get_agreement(limit: int = Query(500, ge=0, le=10_000, description="Disagreements listed at most."),
                  services: Services = Depends(get_services)) -> dict[str, Any]:
    """Counts per label, per source and per annotator over the corpus and the stored
    annotations; for sentences stored by two or more annotators (each with their
    latest labels), Cohen's kappa per dimension for every pair, and the disagreements."""
    corpus, _problems = read_records(services.settings.annotations_dir)  # counted as they are; validation is elsewhere
    stored = list(services.store.iter_all())
    return {"counts": count(corpus, stored), **compare(stored, max_disagreements=limit)}
