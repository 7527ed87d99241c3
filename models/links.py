"""The link model: which sentence supports or attacks which, within one document.

The cheapest model that could work: a class-weighted logistic regression over
candidate pairs (``link_features``), strongly regularised (its ``C`` chosen on inner
folds), says whether a link exists; a decoder gives each sentence its most probable
target, or none below a threshold tuned on out-of-fold scores of the training
documents; a second class-weighted logistic regression says ``support`` or ``attack``.
Follows the scikit-learn contract: ``__init__`` stores settings, ``fit`` returns
``self``, learned state ends in ``_``.
Saved as safetensors (coefficients) + JSON, never a pickle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from argmine.models.link_features import EMBEDDINGS, MARKERS, LinkDocument, candidate_pairs, pair_features
from argmine.models.scheme import ROLES, STANCES
from argmine.models.sentence_vectors import SentenceVectors, VectorIdentity

# 2: features read the sentence model's own pooled vectors, named in config.json "vectors"
# (1 read a second, frozen base-encoder pass).
FORMAT_VERSION = 2
ARCHITECTURE = "pair-logreg"
WEIGHTS = "links.safetensors"
CONFIG = "config.json"
LINK_TYPES = ("support", "attack")
# Candidate rules ``none_max=None`` chooses from (out-of-fold on the training documents).
NONE_MAX_GRID = (0.5, 0.6, 0.7, 0.8, 0.9)
# Regularisation strengths ``C=None`` chooses from (out-of-fold on the training documents, with the threshold).
C_GRID = (0.001, 0.003, 0.01, 0.05)
GoldLink = Mapping[str, Any]  # {"doc_id", "source", "target", "type"}, source/target are sent_ids


class LinkModelError(ValueError):
    """A link model that cannot be fitted, used or loaded as asked."""


class NotFittedError(LinkModelError):
    """``predict`` or ``save`` before ``fit`` or ``load``."""


class NoVectorsError(LinkModelError):
    """``fit`` or ``predict`` without sentence vectors to read (``vectors=`` or ``use``)."""


class NoCandidateLinksError(LinkModelError):
    """No gold link joins two candidates: the roles call too few sentences arguing, or the window is too small."""


class VectorMismatchError(LinkModelError):
    """The link model was trained on other sentence vectors than the ones it is given."""


@dataclass(frozen=True)
class Link:
    doc_id: str
    source: int
    target: int
    type: str
    probability: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ScoredPairs:
    """Candidate pairs of one document (positions, not sent_ids) with link and attack probabilities."""

    doc: LinkDocument
    pairs: list[tuple[int, int]]
    link: np.ndarray
    attack: np.ndarray


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def window_coverage(docs: Sequence[LinkDocument], links: Sequence[GoldLink], max_window: int) -> dict[int, float]:
    """Share of gold links whose ends are at most w sentences apart, for w = 1..max_window."""
    position = {(d.doc_id, s): k for d in docs for k, s in enumerate(d.sent_ids)}
    gaps = [abs(position[(l["doc_id"], l["source"])] - position[(l["doc_id"], l["target"])]) for l in links
            if (l["doc_id"], l["source"]) in position and (l["doc_id"], l["target"]) in position]
    if not gaps:
        return {w: 0.0 for w in range(1, max_window + 1)}
    return {w: float(np.mean([g <= w for g in gaps])) for w in range(1, max_window + 1)}


def decode(scored: ScoredPairs, threshold: float) -> list[Link]:
    """At most one target per source, kept when at least ``threshold`` probable, and never two
    sentences pointing at each other (no gold link of the corpus does): pairs are taken most
    probable first, so the less probable of such two falls back to its source's next target."""
    chosen: dict[int, int] = {}  # source -> index of its pair
    taken: set[tuple[int, int]] = set()
    for k in sorted(range(len(scored.pairs)), key=lambda k: (-float(scored.link[k]), scored.pairs[k])):
        i, j = scored.pairs[k]
        if scored.link[k] < threshold:
            break
        if i in chosen or (j, i) in taken:
            continue
        chosen[i] = k
        taken.add((i, j))
    doc = scored.doc
    return [Link(doc.doc_id, doc.sent_ids[i], doc.sent_ids[scored.pairs[k][1]],
                 "attack" if scored.attack[k] >= 0.5 else "support", round(float(scored.link[k]), 6))
            for i, k in sorted(chosen.items())]


def link_f1(predicted: Sequence[Link], gold: Sequence[GoldLink], typed: bool = False,
            weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """Precision, recall and F1 of exact (document, source, target[, type]) matches; with ``weights``,
    each link counts its document's weight (default 1) in precision and recall."""
    def key(l: Any) -> tuple:
        get = (lambda k: getattr(l, k)) if isinstance(l, Link) else l.__getitem__
        return (get("doc_id"), get("source"), get("target")) + ((get("type"),) if typed else ())

    p, g = {key(l) for l in predicted}, {key(l) for l in gold}
    hit = len(p & g)
    w = (lambda keys: sum(weights.get(k[0], 1.0) for k in keys)) if weights else len
    precision = w(p & g) / w(p) if p else 0.0
    recall = w(p & g) / w(g) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "predicted": len(p), "gold": len(g), "correct": hit}


@dataclass
class LinkModel:
    # None: the smallest window that keeps ``coverage`` of the training links (at most ``max_window``).
    window: int | None = None
    coverage: float = 0.9
    max_window: int = 6
    # Which sentence-vector features: "full" [u, v, u*v, |u-v|], "interaction" [u*v, |u-v|], or "none"
    # (cosine only). "none" measured best: 768 more weights overfit ~600 links (seed F1 0.50 vs 0.38).
    embedding: str = "none"
    # Features of the support/attack classifier: as ``embedding``; the wording of an objection shows in its vectors.
    type_embedding: str = "full"
    # Candidates: sentences whose role "none" is at most this probable (0.5 with gold roles: claims and premises).
    # None: the value of ``NONE_MAX_GRID`` with the best out-of-fold F1 on the training documents (it matters
    # with predicted roles, where an arguing sentence is often given "none" at 0.5-0.8).
    none_max: float | None = 0.5
    # Candidates only within the source's paragraph: 89% of the corpus's gold links are, and the rest are
    # mostly missed anyway (5-fold, three fold seeds, link F1 on all sentences: +0.011 gold / +0.016 predicted
    # roles by document, +0.017 / +0.002 by paragraph; docs/links.md). Without paragraphs (plain text with no
    # blank line) every sentence is in paragraph 0 and nothing changes.
    same_paragraph: bool = True
    # Inverse regularisation of the existence classifier. None: the value of ``C_GRID`` with the best out-of-fold
    # F1 on the training documents, chosen with the threshold. Before round 3 session 6 it was 0.05; the inner
    # folds now mostly pick 0.001-0.003, and with predicted roles the link model leans less on their claim/premise
    # errors (seed link F1 with predicted roles 0.269 -> 0.291, three fold seeds; docs/links.md).
    C: float | None = None
    type_C: float = 0.5
    # None: tuned on out-of-fold scores of the training documents.
    threshold: float | None = None
    inner_folds: int = 3
    seed: int = 13
    # Where sentence vectors come from: the sentence model that labels the sentences
    # (``LabelerVectors``). Not saved; its identity is, and ``load``/``use`` refuse another.
    vectors: SentenceVectors | None = field(default=None, repr=False, compare=False)

    # ---- learning -------------------------------------------------------------------
    def fit(self, docs: Sequence[LinkDocument], links: Sequence[GoldLink],
            document_weights: Mapping[str, float] | None = None) -> "LinkModel":
        """Learn from documents (gold roles as one-hot rows, usually) and their gold links.

        ``document_weights``: how much each document's pairs and links count (default 1), in the
        classifiers and in the threshold's F1; e.g. real text as much as authored text in all.
        """
        for value in (self.embedding, self.type_embedding):
            if value not in EMBEDDINGS:
                raise LinkModelError(f"embedding {value!r} is not one of {list(EMBEDDINGS)}")
        if not links:
            raise LinkModelError("fit() needs at least one gold link")
        if self.vectors is None:
            raise NoVectorsError("fit() needs sentence vectors: LinkModel(vectors=LabelerVectors(labeler)), the "
                                 "sentence model whose vectors the link model will read when it predicts")
        self.vector_identity_ = self.vectors.identity
        self.coverage_ = window_coverage(docs, links, self.max_window)
        self.window_ = self.window or next((w for w, c in self.coverage_.items() if c >= self.coverage),
                                           self.max_window)
        gold = {(l["doc_id"], l["source"], l["target"]): l["type"] for l in links}
        weight_of = dict(document_weights or {})
        # (F1, none_max, C, threshold, training pairs)
        best: tuple[float, float, float, float, tuple] | None = None
        fixed = self.threshold is not None and self.none_max is not None and self.C is not None
        for none_max in ([self.none_max] if self.none_max is not None else NONE_MAX_GRID):
            self.none_max_ = none_max
            pairs = self._training_pairs(docs, gold, weight_of)
            if pairs[1].sum() == 0:
                continue
            for C in ([self.C] if self.C is not None else C_GRID):
                if fixed:
                    threshold, f1 = self.threshold, 0.0
                else:
                    threshold, f1 = self._tune_threshold(docs, links, pairs[0], pairs[1], pairs[3], pairs[5],
                                                         weight_of, C, self.threshold)
                if best is None or f1 > best[0]:
                    best = (f1, none_max, C, threshold, pairs)
        if best is None:
            raise NoCandidateLinksError(f"no gold link joins two candidate sentences (arguing, at most "
                                        f"{self.window_} sentences apart)")
        _, self.none_max_, self.C_, self.threshold_, (X, y, kinds, _, X_type, w) = best
        self._fit_existence(X, y, w)
        self._fit_type(X_type, kinds[y == 1], w[y == 1])
        self.n_training_links_ = len(links)
        self.n_training_documents_ = len(docs)
        return self

    def _training_pairs(self, docs: Sequence[LinkDocument], gold: dict[tuple, str], weight_of: Mapping[str, float]):
        rows, y, kinds, groups, type_rows, weights = [], [], [], [], [], []
        by_document = len(docs) >= self.inner_folds  # else paragraphs of one or two documents
        group_ids: dict[tuple[str, int], int] = {}
        for doc in docs:
            pairs = candidate_pairs(doc, self.window_, self.none_max_, self.same_paragraph)
            rows.append(self._features(doc, pairs))
            linked = [(i, j) for i, j in pairs if (doc.doc_id, doc.sent_ids[i], doc.sent_ids[j]) in gold]
            type_rows.append(self._features(doc, linked, self.type_embedding))
            for i, j in pairs:
                kind = gold.get((doc.doc_id, doc.sent_ids[i], doc.sent_ids[j]))
                y.append(kind is not None)
                weights.append(weight_of.get(doc.doc_id, 1.0))
                kinds.append(kind == "attack")
                key = (doc.doc_id, 0 if by_document else doc.paragraphs[i])
                groups.append(group_ids.setdefault(key, len(group_ids)))
        return (np.concatenate(rows), np.array(y, dtype=int), np.array(kinds, dtype=int), np.array(groups),
                np.concatenate(type_rows), np.array(weights, dtype=np.float64))

    def _features(self, doc: LinkDocument, pairs: list[tuple[int, int]], embedding: str | None = None) -> np.ndarray:
        if self.vectors is None:
            raise NoVectorsError("this LinkModel has no sentence vectors to read: load it with "
                                 "LinkModel.load(dir, vectors=LabelerVectors(labeler)) or call use(...)")
        vectors = self.vectors(list(doc.texts))
        return pair_features(doc, vectors, pairs, self.window_, embedding or self.embedding)

    def use(self, vectors: SentenceVectors) -> "LinkModel":
        """Read ``vectors`` from now on; refused unless they are the ones this model was trained on."""
        self._check_fitted()
        check_vectors(self.vector_identity_, vectors.identity, "this link model")
        self.vectors = vectors
        return self

    @staticmethod
    def _standardize(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = X.mean(0)
        scale = X.std(0)
        return mean.astype(np.float32), np.where(scale > 1e-6, scale, 1.0).astype(np.float32)

    def _logreg(self, X: np.ndarray, y: np.ndarray, C: float, weight: np.ndarray):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=self.seed).fit(
            X, y, sample_weight=weight / weight.mean())

    def _fit_existence(self, X: np.ndarray, y: np.ndarray, weight: np.ndarray) -> None:
        self.mean_, self.scale_ = self._standardize(X)
        model = self._logreg((X - self.mean_) / self.scale_, y, self.C_, weight)
        self.link_coef_, self.link_intercept_ = model.coef_[0].astype(np.float32), float(model.intercept_[0])

    def _fit_type(self, X: np.ndarray, attack: np.ndarray, weight: np.ndarray) -> None:
        n_attack = int(attack.sum())
        if n_attack < 2 or n_attack > len(attack) - 2:
            # Too few of one type to learn from: always the majority type.
            self.type_mean_, self.type_scale_ = np.zeros(X.shape[1], np.float32), np.ones(X.shape[1], np.float32)
            self.type_coef_ = np.zeros(X.shape[1], dtype=np.float32)
            self.type_intercept_ = 10.0 if n_attack > len(attack) / 2 else -10.0
            return
        self.type_mean_, self.type_scale_ = self._standardize(X)
        model = self._logreg((X - self.type_mean_) / self.type_scale_, attack, self.type_C, weight)
        self.type_coef_, self.type_intercept_ = model.coef_[0].astype(np.float32), float(model.intercept_[0])

    def _tune_threshold(self, docs: Sequence[LinkDocument], links: Sequence[GoldLink], X: np.ndarray,
                        y: np.ndarray, groups: np.ndarray, weight: np.ndarray,
                        weight_of: Mapping[str, float], C: float,
                        threshold: float | None = None) -> tuple[float, float]:
        """The threshold with the best out-of-fold exact-link F1 on the training documents (existence
        classifiers fitted with ``C``), and that F1; with ``threshold``, that one and its F1."""
        from sklearn.model_selection import GroupKFold

        folds = min(self.inner_folds, len(set(groups.tolist())))
        if folds < 2:
            return (0.5 if threshold is None else threshold), 0.0
        scores = np.zeros(len(y))
        for train, test in GroupKFold(n_splits=folds).split(X, y, groups):
            if y[train].sum() == 0 or y[train].min() == y[train].max():
                scores[test] = y[train].mean() if len(train) else 0.0
                continue
            mean, scale = self._standardize(X[train])
            model = self._logreg((X[train] - mean) / scale, y[train], C, weight[train])
            scores[test] = model.predict_proba((X[test] - mean) / scale)[:, 1]
        scored, cursor = [], 0
        for doc in docs:
            pairs = candidate_pairs(doc, self.window_, self.none_max_, self.same_paragraph)
            part = scores[cursor:cursor + len(pairs)]
            scored.append(ScoredPairs(doc, pairs, part, np.zeros(len(pairs))))
            cursor += len(pairs)
        grid = np.array([threshold]) if threshold is not None else np.round(np.arange(0.05, 0.96, 0.025), 3)
        f1s = [link_f1([l for s in scored for l in decode(s, t)], links, weights=weight_of)["f1"] for t in grid]
        return float(grid[int(np.argmax(f1s))]), float(max(f1s))

    # ---- predicting -------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "link_coef_"):
            raise NotFittedError("this LinkModel is neither fitted nor loaded: call fit() or LinkModel.load()")

    def score(self, doc: LinkDocument) -> ScoredPairs:
        """Every candidate pair of ``doc`` with its link and attack probabilities."""
        self._check_fitted()
        pairs = candidate_pairs(doc, self.window_, self.none_max_, self.same_paragraph)
        if not pairs:
            return ScoredPairs(doc, [], np.zeros(0), np.zeros(0))
        X = (self._features(doc, pairs) - self.mean_) / self.scale_
        Z = (self._features(doc, pairs, self.type_embedding) - self.type_mean_) / self.type_scale_
        return ScoredPairs(doc, pairs, _sigmoid(X @ self.link_coef_ + self.link_intercept_),
                           _sigmoid(Z @ self.type_coef_ + self.type_intercept_))

    def predict(self, docs: Sequence[LinkDocument]) -> list[Link]:
        """Links of every document: at most one target per sentence, sources in reading order."""
        self._check_fitted()
        return [link for doc in docs for link in decode(self.score(doc), self.threshold_)]

    # ---- saving -------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION, "architecture": ARCHITECTURE,
            "vectors": self.vector_identity_.to_dict(),
            "roles": list(ROLES), "stances": list(STANCES), "types": list(LINK_TYPES), "markers": list(MARKERS),
            "window": self.window_, "embedding": self.embedding, "type_embedding": self.type_embedding,
            "threshold": self.threshold_, "none_max": self.none_max_, "C": self.C_,
            "settings": {"window": self.window, "coverage": self.coverage, "max_window": self.max_window,
                         "none_max": self.none_max, "same_paragraph": self.same_paragraph, "C": self.C,
                         "type_C": self.type_C, "threshold": self.threshold, "inner_folds": self.inner_folds,
                         "seed": self.seed},
            "training": {"links": self.n_training_links_, "documents": self.n_training_documents_,
                         "window_coverage": {str(k): round(v, 4) for k, v in self.coverage_.items()}},
        }

    def save(self, directory: str | Path) -> Path:
        """``links.safetensors`` (coefficients, feature scaling) and ``config.json`` in ``directory``."""
        from safetensors.numpy import save_file

        self._check_fitted()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        save_file({"mean": self.mean_, "scale": self.scale_, "link_coef": self.link_coef_,
                   "link_intercept": np.array([self.link_intercept_], dtype=np.float32),
                   "type_coef": self.type_coef_, "type_mean": self.type_mean_, "type_scale": self.type_scale_, "type_intercept": np.array([self.type_intercept_], dtype=np.float32)},
                  str(directory / WEIGHTS), metadata={"format_version": str(FORMAT_VERSION)})
        (directory / CONFIG).write_text(json.dumps(self.config(), indent=2) + "\n", encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: str | Path, vectors: SentenceVectors | None = None) -> "LinkModel":
        """The saved model; with ``vectors``, checked to be the ones it was trained on (``VectorMismatchError``)."""
        from safetensors.numpy import load_file

        directory = Path(directory)
        try:
            config = json.loads((directory / CONFIG).read_text(encoding="utf-8"))
            arrays = load_file(str(directory / WEIGHTS))
        except FileNotFoundError as exc:
            raise LinkModelError(f"{directory} is not a link model: {Path(exc.filename).name} is missing; "
                                 f"train one with `argmine links train`") from exc
        except (json.JSONDecodeError, OSError) as exc:
            raise LinkModelError(f"{directory}: cannot read the link model ({exc})") from exc
        expected = {"format_version": FORMAT_VERSION, "architecture": ARCHITECTURE, "roles": list(ROLES),
                    "stances": list(STANCES), "types": list(LINK_TYPES), "markers": list(MARKERS)}
        for key, value in expected.items():
            if config.get(key) != value:
                raise LinkModelError(f"{directory}: {key} is {config.get(key)!r}, this argmine expects {value!r}; "
                                     f"retrain with `argmine links train`")
        trained_on = VectorIdentity.from_dict(config["vectors"])
        if vectors is not None:
            check_vectors(trained_on, vectors.identity, str(directory))
        # Saved before candidates kept to paragraphs: they were drawn across paragraph breaks.
        settings = {"same_paragraph": False, **config["settings"]}
        model = cls(**settings, embedding=config["embedding"], type_embedding=config["type_embedding"], vectors=vectors)
        model.vector_identity_ = trained_on
        model.window_, model.threshold_ = int(config["window"]), float(config["threshold"])
        model.none_max_ = float(config["none_max"])
        model.C_ = float(config.get("C", settings["C"]))  # models before C_GRID kept only the setting
        model.coverage_ = {int(k): v for k, v in config["training"]["window_coverage"].items()}
        model.n_training_links_ = config["training"]["links"]
        model.n_training_documents_ = config["training"]["documents"]
        model.mean_, model.scale_ = arrays["mean"], arrays["scale"]
        model.link_coef_, model.link_intercept_ = arrays["link_coef"], float(arrays["link_intercept"][0])
        model.type_coef_, model.type_intercept_ = arrays["type_coef"], float(arrays["type_intercept"][0])
        model.type_mean_, model.type_scale_ = arrays["type_mean"], arrays["type_scale"]
        return model


def check_vectors(trained_on: VectorIdentity, given: VectorIdentity, what: str) -> None:
    """Raise ``VectorMismatchError`` unless ``given`` are the vectors a link model was trained on."""
    if given != trained_on:
        raise VectorMismatchError(
            f"{what} was trained on the vectors of sentence model {trained_on.model_version!r} ({trained_on.dim} "
            f"dims), but is given those of {given.model_version!r} ({given.dim} dims); retrain it beside that "
            f"model with `argmine links train --model-dir DIR`")
