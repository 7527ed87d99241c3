"""Features of a candidate link (source sentence -> target sentence) in one document.

Everything here is cheap: the sentence model's pooled vectors (given as an array),
the role and stance probabilities any sentence model gives (passed in
as arrays), the distance between the two sentences, paragraph boundaries and
discourse markers. The link model (``links.py``) learns weights over them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from argmine.models.encoder import DEFAULT_BASE
from argmine.models.scheme import ROLES, STANCES
from argmine.models.sentence_vectors import VectorIdentity

EMBEDDINGS = ("full", "interaction", "none")

# Discourse markers, searched case-insensitively. The names are saved with a model,
# so renaming or removing one makes old link models refuse to load (add new ones at the end).
MARKERS: dict[str, str] = {
    "because": r"\b(because|since|as a result of|due to|thanks to)\b",
    "example": r"\b(for example|for instance|such as|e\.g\.|in particular|namely)\b",
    "contrast": r"\b(however|but|yet|although|though|whereas|nevertheless|despite|instead|on the other hand)\b",
    "opens_contrast": r"^\W*(however|but|yet|still|nevertheless|on the other hand)\b",
    "conclusion": r"\b(therefore|thus|hence|consequently|so that|this (shows|means|suggests|proves))\b",
    "authority": r"\b(according to|report(s|ed)?|survey|study|studies|research|data|statistics|index|ranked)\b",
    "reported": r"\b(say|says|said|argue|argues|argued|claim|claims|claimed|warn|warns|warned)\b",
    "critics": r"\b(critics?|opponents?|sceptics?|skeptics?)\b",
    "number": r"\d",
    "percent": r"(\d\s*%|\bper ?cent\b)",
    "year": r"\b(19|20)\d\d\b",
    "modal": r"\b(should|must|needs? to|ought to|has to|have to)\b",
    "additive": r"\b(also|moreover|furthermore|in addition|besides|likewise|similarly)\b",
    "opens_anaphor": r"^\W*(this|these|that|those|it|such)\b",
}
_COMPILED = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in MARKERS.items()}
CLAIM, PREMISE, NONE = ROLES.index("claim"), ROLES.index("premise"), ROLES.index("none")


class LinkFeatureError(ValueError):
    """A document whose arrays do not fit its sentences."""


@dataclass(frozen=True)
class LinkDocument:
    """One document as the link model sees it: sentences in reading order with role/stance probabilities.

    ``role_proba`` columns follow ``ROLES`` and ``stance_proba`` columns ``STANCES``;
    gold labels are one-hot rows, a sentence model's predictions are soft ones.
    """

    doc_id: str
    sent_ids: tuple[int, ...]
    texts: tuple[str, ...]
    paragraphs: tuple[int, ...]
    role_proba: np.ndarray
    stance_proba: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.sent_ids)
        if not (len(self.texts) == len(self.paragraphs) == n):
            raise LinkFeatureError(f"{self.doc_id}: sent_ids, texts and paragraphs differ in length")
        if self.role_proba.shape != (n, len(ROLES)) or self.stance_proba.shape != (n, len(STANCES)):
            raise LinkFeatureError(f"{self.doc_id}: expected role_proba ({n}, {len(ROLES)}) and stance_proba "
                                   f"({n}, {len(STANCES)}), found {self.role_proba.shape} and {self.stance_proba.shape}")

    def __len__(self) -> int:
        return len(self.sent_ids)

    def arguing(self, none_max: float = 0.5) -> np.ndarray:
        """Which sentences may take or receive a link: those whose role ``none`` is at most ``none_max`` probable."""
        return self.role_proba[:, NONE] <= none_max

    def with_probabilities(self, role_proba: np.ndarray, stance_proba: np.ndarray) -> "LinkDocument":
        return LinkDocument(self.doc_id, self.sent_ids, self.texts, self.paragraphs,
                            np.asarray(role_proba, dtype=np.float32), np.asarray(stance_proba, dtype=np.float32))


def with_record_probabilities(docs: Sequence[LinkDocument], records: Sequence[Mapping[str, Any]],
                              proba: Mapping[str, np.ndarray]) -> list[LinkDocument]:
    """``docs`` with the role and stance probabilities of ``proba``, whose rows follow ``records``."""
    row = {(r["doc_id"], r["sent_id"]): k for k, r in enumerate(records)}
    out = []
    for doc in docs:
        index = [row[(doc.doc_id, s)] for s in doc.sent_ids]
        out.append(doc.with_probabilities(proba["role"][index], proba["stance"][index]))
    return out


def one_hot(values: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    out = np.zeros((len(values), len(labels)), dtype=np.float32)
    out[np.arange(len(values)), [labels.index(v) for v in values]] = 1.0
    return out


def documents_from_records(records: Sequence[Mapping[str, Any]]) -> list[LinkDocument]:
    """Link documents from sentence records, grouped by ``doc_id`` in order of ``start``.

    Records with ``probabilities`` (the output of ``argmine label``) give soft rows;
    annotated records (``role``, ``stance``) give one-hot gold rows. ``paragraph`` is
    used where present, else every sentence counts as one paragraph.
    """
    by_doc: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        by_doc.setdefault(str(r["doc_id"]), []).append(r)
    out = []
    for doc_id, rows in by_doc.items():
        rows = sorted(rows, key=lambda r: (r.get("start", 0), r["sent_id"]))
        if all("probabilities" in r for r in rows):
            role = np.array([[r["probabilities"]["role"][k] for k in ROLES] for r in rows], dtype=np.float32)
            stance = np.array([[r["probabilities"]["stance"][k] for k in STANCES] for r in rows], dtype=np.float32)
        else:
            role, stance = one_hot([r["role"] for r in rows], ROLES), one_hot([r["stance"] for r in rows], STANCES)
        out.append(LinkDocument(doc_id, tuple(int(r["sent_id"]) for r in rows), tuple(r["text"] for r in rows),
                                tuple(int(r.get("paragraph", 0)) for r in rows), role.reshape(len(rows), len(ROLES)),
                                stance.reshape(len(rows), len(STANCES))))
    return out


def marker_flags(texts: Sequence[str]) -> np.ndarray:
    """One 0/1 column per marker of ``MARKERS``."""
    return np.array([[1.0 if rx.search(t) else 0.0 for rx in _COMPILED.values()] for t in texts],
                    dtype=np.float32).reshape(len(texts), len(_COMPILED))


class FrozenSentenceVectors:
    """Mean-pooled, L2-normalised vectors of a frozen base encoder (MiniLM by default), cached by text.

    Not what a saved model reads (that is the sentence model's own forward pass,
    ``sentence_vectors.LabelerVectors``): the vectors of the cheap out-of-fold
    sentence model ``argmine links eval`` fits per fold (a logistic regression over them).
    """

    @property
    def identity(self) -> VectorIdentity:
        from argmine.models.encoder import base_model_version, spec

        return VectorIdentity(f"frozen base {spec(self.base).name} {base_model_version(self.base)}", self.dim)

    def __init__(self, base: str = DEFAULT_BASE, batch_size: int = 64, max_length: int = 128):
        from argmine.models.encoder import spec

        spec(base)  # an unknown base fails here, not at first use
        self.base = base
        self.batch_size = batch_size
        self.max_length = max_length
        self._cache: dict[str, np.ndarray] = {}
        self._model: Any = None
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        """The encoder's width, read from its config without loading its weights."""
        if self._dim is None:
            from transformers import AutoConfig

            from argmine.models.encoder import base_model_path

            self._dim = int(AutoConfig.from_pretrained(str(base_model_path(self.base)),
                                                       local_files_only=True).hidden_size)
        return self._dim

    def _load(self) -> None:
        from transformers import AutoModel, AutoTokenizer

        from argmine.models.encoder import base_model_path

        path = str(base_model_path(self.base))
        self._tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self._model = AutoModel.from_pretrained(path, local_files_only=True).eval()

    # Texts kept between calls (training and evaluation see the same sentences many
    # times); a long-running service labels new text forever, so the cache is bounded.
    MAX_CACHED = 50_000

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        from argmine.models.inference import pad_batch, plan_batches, resolve_bf16
        from argmine.models.segment import normalize

        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing and self._model is None:
            self._load()
        if len(self._cache) + len(missing) > self.MAX_CACHED:
            self._cache.clear()
        if missing:
            ids = self._tokenizer([normalize(t) for t in missing], truncation=True,
                                  max_length=self.max_length)["input_ids"]
            # Length-sorted batches under a token budget, bf16 where the CPU computes it
            # natively: the same recipe as the labeller's engine (models/inference.py).
            bf16 = resolve_bf16(torch.device("cpu"), "auto")
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                for index in plan_batches([len(x) for x in ids], batch_tokens=2048, max_batch=self.batch_size):
                    input_ids, mask = pad_batch([ids[i] for i in index], self._tokenizer.pad_token_id or 0)
                    hidden = self._model(input_ids=input_ids, attention_mask=mask).last_hidden_state.float()
                    weights = mask.unsqueeze(-1).to(hidden.dtype)
                    pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
                    for i, vector in zip(index, torch.nn.functional.normalize(pooled, dim=-1).numpy()):
                        self._cache[missing[i]] = vector
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)


@lru_cache(maxsize=None)
def frozen_vectors(base: str = DEFAULT_BASE) -> FrozenSentenceVectors:
    """One shared encoder per base and process: loading it costs seconds, and its cache is reused."""
    return FrozenSentenceVectors(base)


def candidate_pairs(doc: LinkDocument, window: int, none_max: float = 0.5,
                    same_paragraph: bool = False) -> list[tuple[int, int]]:
    """(source, target) positions of arguing sentences at most ``window`` sentences apart
    (and in one paragraph, with ``same_paragraph``)."""
    arguing = np.flatnonzero(doc.arguing(none_max))
    allowed = set(arguing.tolist())
    para = doc.paragraphs
    return [(int(i), j) for i in arguing for j in range(max(0, i - window), min(len(doc), i + window + 1))
            if j != i and j in allowed and (not same_paragraph or para[j] == para[i])]


def feature_names(window: int, embedding: str, dim: int = 384) -> list[str]:
    parts = {"full": ["src", "tgt", "prod", "absdiff"], "interaction": ["prod", "absdiff"], "none": []}[embedding]
    names = [f"{p}_{k}" for p in parts for k in range(dim)]
    names += ["cosine"] + [f"src_role_{r}" for r in ROLES] + [f"tgt_role_{r}" for r in ROLES]
    names += [f"src_stance_{s}" for s in STANCES] + [f"tgt_stance_{s}" for s in STANCES]
    names += ["stance_agree", "stance_differ", "premise_to_claim", "claim_to_claim", "premise_to_premise"]
    names += [f"dist_{d:+d}" for d in range(-window, window + 1) if d != 0]
    names += [f"claim_dist_{d:+d}" for d in range(-window, window + 1) if d != 0]
    names += ["abs_dist", "target_before", "same_paragraph", "paragraph_gap", "src_opens_paragraph",
              "tgt_opens_paragraph", "tgt_nearest_claim_before", "tgt_nearest_claim_after", "tgt_best_claim",
              "n_candidates", "src_closes_paragraph", "tgt_first_claim_of_paragraph", "tgt_adjacent_candidate"]
    names += [f"src_{m}" for m in MARKERS] + [f"tgt_{m}" for m in MARKERS]
    return names


def pair_features(doc: LinkDocument, vectors: np.ndarray, pairs: Sequence[tuple[int, int]], window: int,
                  embedding: str) -> np.ndarray:
    """One row per pair, columns as ``feature_names(window, embedding)``."""
    if embedding not in EMBEDDINGS:
        raise LinkFeatureError(f"embedding {embedding!r} is not one of {list(EMBEDDINGS)}")
    width = len(feature_names(window, embedding, vectors.shape[1] if len(vectors) else 384))
    if not pairs:
        return np.zeros((0, width), dtype=np.float32)
    src = np.array([p[0] for p in pairs])
    tgt = np.array([p[1] for p in pairs])
    u, v = vectors[src], vectors[tgt]
    blocks = {"full": [u, v, u * v, np.abs(u - v)], "interaction": [u * v, np.abs(u - v)], "none": []}[embedding]
    role, stance = doc.role_proba, doc.stance_proba
    agree = (stance[src, :3] * stance[tgt, :3]).sum(1)
    differ = stance[src, :3].sum(1) * stance[tgt, :3].sum(1) - agree
    dist = tgt - src
    dist_hot = np.zeros((len(pairs), 2 * window), dtype=np.float32)
    columns = np.where(dist < 0, dist + window, dist + window - 1)
    inside = np.abs(dist) <= window
    dist_hot[np.flatnonzero(inside), columns[inside]] = 1.0
    para = np.array(doc.paragraphs)
    opens = np.r_[True, para[1:] != para[:-1]]
    closes = np.r_[para[1:] != para[:-1], True]
    first_claim = _first_claim_of_paragraph(para, role.argmax(1) == CLAIM)
    adjacent = _adjacent_candidate(pairs)
    claim_like = role.argmax(1) == CLAIM
    before, after, best, count = _claim_context(doc, pairs, claim_like)
    markers = marker_flags(doc.texts)  # once per sentence, not once per pair it takes part in
    rows = [
        *blocks,
        (u * v).sum(1, keepdims=True), role[src], role[tgt], stance[src], stance[tgt],
        agree[:, None], differ[:, None],
        np.c_[role[src, PREMISE] * role[tgt, CLAIM], role[src, CLAIM] * role[tgt, CLAIM],
              role[src, PREMISE] * role[tgt, PREMISE]],
        dist_hot, dist_hot * role[src, CLAIM][:, None],
        np.c_[np.abs(dist) / max(window, 1), dist < 0, para[src] == para[tgt],
              np.minimum(np.abs(para[src] - para[tgt]), 3) / 3, opens[src], opens[tgt], before, after, best,
              count / (2 * max(window, 1)), closes[src], first_claim[tgt], adjacent],
        markers[src], markers[tgt],
    ]
    out = np.concatenate([np.asarray(r, dtype=np.float32) for r in rows], axis=1)
    assert out.shape[1] == width, (out.shape, width)
    return out


def _claim_context(doc: LinkDocument, pairs: Sequence[tuple[int, int]],
                   claim_like: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per pair: is the target the source's nearest claim before / after it, or its most claim-like candidate;
    and how many candidates the source has."""
    by_source: dict[int, list[int]] = {}
    for i, j in pairs:
        by_source.setdefault(i, []).append(j)
    claim_p = doc.role_proba[:, CLAIM]
    nearest_before, nearest_after, most_claim = {}, {}, {}
    for i, targets in by_source.items():
        earlier = [j for j in targets if j < i and claim_like[j]]
        later = [j for j in targets if j > i and claim_like[j]]
        nearest_before[i] = max(earlier) if earlier else -1
        nearest_after[i] = min(later) if later else -1
        most_claim[i] = max(targets, key=lambda j: (claim_p[j], -abs(j - i)))
    before = np.array([j == nearest_before[i] for i, j in pairs], dtype=np.float32)
    after = np.array([j == nearest_after[i] for i, j in pairs], dtype=np.float32)
    best = np.array([j == most_claim[i] for i, j in pairs], dtype=np.float32)
    count = np.array([len(by_source[i]) for i, _ in pairs], dtype=np.float32)
    return before, after, best, count


def _first_claim_of_paragraph(para: np.ndarray, claim_like: np.ndarray) -> np.ndarray:
    """1 for the first claim of each paragraph: often the one the paragraph argues for."""
    out = np.zeros(len(para), dtype=np.float32)
    seen: set[int] = set()
    for k in range(len(para)):
        if claim_like[k] and int(para[k]) not in seen:
            seen.add(int(para[k]))
            out[k] = 1.0
    return out


def _adjacent_candidate(pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """1 where the target is the source's closest candidate on its side (no candidate lies between them)."""
    by_source: dict[int, list[int]] = {}
    for i, j in pairs:
        by_source.setdefault(i, []).append(j)
    out = []
    for i, j in pairs:
        between = [k for k in by_source[i] if min(i, j) < k < max(i, j)]
        out.append(0.0 if between else 1.0)
    return np.array(out, dtype=np.float32)
