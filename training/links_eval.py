"""``argmine links eval``: cross-validated link precision / recall / F1 against baselines.

Folds are grouped by document or by paragraph; only documents annotated for
links take part. Each fold predicts the held-out sentences twice: with gold roles
(by a link model trained on the gold roles of the other folds), and with roles and
stances predicted by a sentence model fitted on the same training fold (by a link
model trained on out-of-fold predicted roles of the other folds, its candidate rule
and threshold chosen on inner folds of them). The sentence model is by default a
class-weighted logistic regression over the frozen base-encoder vectors, which the
link features then read too; any ``RoleModel`` can take its place. A gold link whose source is held out
counts even where its target is not, so links the split cuts are misses.
Scores are exact source -> target, and source -> target with type, pooled over
folds and reported for all sentences and per source (seed apart from authored).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np

from argmine.models.encoder import DEFAULT_BASE
from argmine.models.link_features import (CLAIM, LinkDocument, documents_from_records, frozen_vectors,
                                          one_hot, with_record_probabilities)
from argmine.models.links import Link, LinkModel, link_f1, window_coverage
from argmine.models.scheme import HEADS, ROLES, STANCES
from argmine.models.sentence_vectors import LabelerVectors, SentenceVectors
from argmine.training.corpus import fingerprint, linked_documents, load_corpus, load_links
from argmine.training.link_train import source_weights
from argmine.training.predictions import read_predictions, role_probabilities

Records = list[dict[str, Any]]
# Role and stance probabilities for records (text with ``before``/``after`` neighbours, as the corpus gives them).
ProbaFn = Callable[[Records], dict[str, np.ndarray]]
# Fit on annotated training records, return a function giving "role" and "stance" probabilities for records.
RoleModel = Callable[[Records], ProbaFn]
Grouping = Literal["document", "paragraph"]
# Which part of the predicted roles ``with_gold_part`` replaces by the gold roles.
GoldPart = Literal["claim-premise", "arguing"]
GOLD_PARTS: dict[str, str] = {
    "claim-premise": "gold claim/premise split of the predicted arguing probability (predicted none kept)",
    "arguing": "gold none vs arguing (the predicted claim/premise split kept)",
}
PREMISE = ROLES.index("premise")
NONE = ROLES.index("none")


# The link model for predicted roles chooses its candidate rule (none_max) on inner folds of the training
# documents, as it does its threshold: an arguing sentence is often given "none" at 0.5-0.8.
PREDICTED_ROLE_SETTINGS: dict[str, Any] = {"none_max": None}
INNER_FOLDS = 3


class LinkEvaluationError(ValueError):
    """The corpus cannot be evaluated for links as asked."""


# ---- baselines ---------------------------------------------------------------------
def nearest_preceding_claim(docs: Sequence[LinkDocument], same_paragraph: bool = False) -> list[Link]:
    """Each premise supports the nearest claim before it (within its paragraph if asked)."""
    out = []
    for doc in docs:
        role = doc.role_proba.argmax(1)
        for i in np.flatnonzero(role == PREMISE):
            for j in range(i - 1, -1, -1):
                if same_paragraph and doc.paragraphs[j] != doc.paragraphs[i]:
                    break
                if role[j] == CLAIM:
                    out.append(Link(doc.doc_id, doc.sent_ids[i], doc.sent_ids[j], "support", 1.0))
                    break
    return out


def previous_arguing(docs: Sequence[LinkDocument]) -> list[Link]:
    """Each claim or premise supports the claim or premise before it in its paragraph: a chain that
    reads no claim/premise split, so the errors of that split cannot mislead it."""
    out = []
    for doc in docs:
        arguing = np.flatnonzero(doc.role_proba.argmax(1) != NONE)
        for before, i in zip(arguing[:-1], arguing[1:]):
            if doc.paragraphs[before] == doc.paragraphs[i]:
                out.append(Link(doc.doc_id, doc.sent_ids[i], doc.sent_ids[before], "support", 1.0))
    return out


def no_link(docs: Sequence[LinkDocument]) -> list[Link]:
    return []


# ---- predicted roles ---------------------------------------------------------------------
@dataclass(frozen=True)
class FrozenRoleModel:
    """Role and stance from class-weighted LR over frozen sentence vectors (cheap, out-of-fold).

    ``bases``: the frozen encoders whose mean-pooled vectors are put side by side. MiniLM
    alone is the default, as it ships with argmine; with mpnet beside it (``argmine base
    fetch mpnet``) the seed's roles come out better and so do the links drawn from them
    (by paragraph, five fold seeds: seed 0.291 -> 0.307, all sentences 0.398 -> 0.427; docs/links.md).

    The sentence alone: with its neighbours' vectors beside it (their mean, or each apart)
    the LR found the seed's roles a little better out of fold, yet the link F1 with those
    roles fell (seed, by paragraph: 0.288 alone, 0.244 with the mean, 0.229 with both).

    Each source (seed, authored, ...) weighs as much as the others in total, and each
    class within that: the few real seed sentences are not drowned by the authored ones.
    """

    bases: tuple[str, ...] = (DEFAULT_BASE,)

    def __post_init__(self) -> None:
        if not self.bases:
            raise LinkEvaluationError("the frozen role model needs at least one base encoder")
        for base in self.bases:
            frozen_vectors(base)  # an unknown base fails here; nothing is loaded until first use

    @property
    def name(self) -> str:
        return "frozen_lr" if self.bases == (DEFAULT_BASE,) else f"frozen_lr ({' + '.join(self.bases)})"

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        return np.concatenate([frozen_vectors(base)(list(texts)) for base in self.bases], axis=1)

    def __call__(self, records: Records) -> ProbaFn:
        from sklearn.linear_model import LogisticRegression
        from sklearn.utils.class_weight import compute_sample_weight

        X = self.vectors([r["text"] for r in records])
        by_document = source_weights(records)
        source_weight = np.array([by_document[r["doc_id"]] for r in records])
        models = {}
        for head, labels in (("role", ROLES), ("stance", STANCES)):
            y = np.array([labels.index(r[head]) for r in records])
            weight = source_weight * compute_sample_weight("balanced", y)
            models[head] = (LogisticRegression(C=1.0, max_iter=3000).fit(X, y, sample_weight=weight)
                            if len(set(y.tolist())) > 1 else int(y[0]))

        def predict(items: Records) -> dict[str, np.ndarray]:
            Z = self.vectors([r["text"] for r in items])
            out = {}
            for head, labels in (("role", ROLES), ("stance", STANCES)):
                model, proba = models[head], np.zeros((len(items), len(labels)), dtype=np.float32)
                if isinstance(model, int):
                    proba[:, model] = 1.0
                else:
                    proba[:, model.classes_] = model.predict_proba(Z)
                out[head] = proba
            return out

        return predict


# The default sentence model of the link evaluation: the LR over frozen MiniLM vectors.
frozen_role_model = FrozenRoleModel()


def fixed_role_model(predict_proba: ProbaFn) -> RoleModel:
    """A sentence model that is not refitted per fold (e.g. a saved labeler's ``predict_proba``)."""
    return lambda records: predict_proba


def predictions_role_model(path: Path, system: str | None = None, mode: str = "seed") -> tuple[RoleModel, str]:
    """Roles and stances from out-of-fold probabilities written by ``argmine eval --predictions``:
    a fine-tuned sentence model per fold, none of which saw the sentence it predicts. Not refitted
    per link fold (the file already holds one prediction per sentence). Returns the model and the
    system's name; ``system`` may be left out when the file holds one system with probabilities."""
    table, system = read_predictions(path, system, mode)
    return fixed_role_model(lambda items: role_probabilities(table, items, path)), system


def labeler_role_model(model_dir: Path) -> tuple[RoleModel, SentenceVectors]:
    """A saved sentence model's roles and stances, and its own vectors for the link features."""
    from argmine.models.labeler import SentenceLabeler, record_input

    labeler = SentenceLabeler.load(model_dir)
    role_model = fixed_role_model(lambda records: {h: p for h, p in labeler.predict_proba(
        [record_input(r) for r in records]).items() if h in HEADS})
    return role_model, LabelerVectors(labeler)


def with_gold_part(role_model: RoleModel, part: GoldPart) -> RoleModel:
    """``role_model`` with one part of its role probabilities replaced by the gold role of each record:
    a diagnostic of which role errors cost links (the link F1 that fixing that part alone would give).

    ``claim-premise``: the predicted probability of arguing (claim + premise) is kept and given
    to the gold role (split evenly where the gold role is ``none``). ``arguing``: the gold
    ``none`` vs arguing decision, with the predicted claim/premise split of the arguing part.
    """
    if part not in GOLD_PARTS:
        raise LinkEvaluationError(f"gold part {part!r} is not one of {list(GOLD_PARTS)}")

    def fit(train: Records) -> ProbaFn:
        predict = role_model(train)

        def proba(items: Records) -> dict[str, np.ndarray]:
            out = predict(items)
            role = np.asarray(out["role"], dtype=np.float32)
            gold = one_hot([r["role"] for r in items], ROLES)
            mixed = np.zeros_like(role)
            if part == "claim-premise":
                arguing = 1.0 - role[:, NONE]
                claim_share = gold[:, CLAIM] + 0.5 * gold[:, NONE]
                mixed[:, CLAIM], mixed[:, PREMISE] = arguing * claim_share, arguing * (1.0 - claim_share)
                mixed[:, NONE] = role[:, NONE]
            else:
                claim_share = role[:, CLAIM] / np.maximum(role[:, CLAIM] + role[:, PREMISE], 1e-6)
                mixed[:, CLAIM] = (1.0 - gold[:, NONE]) * claim_share
                mixed[:, PREMISE] = (1.0 - gold[:, NONE]) * (1.0 - claim_share)
                mixed[:, NONE] = gold[:, NONE]
            return {**out, "role": mixed}

        return proba

    return fit


# ---- cross-validation ---------------------------------------------------------------------
@dataclass
class LinkSystem:
    name: str
    description: str
    predict: Callable[[Sequence[LinkDocument]], list[Link]] | None  # None: the trained link model


BASELINES = [
    LinkSystem("no_link", "predicts no link", no_link),
    LinkSystem("nearest_claim", "each premise supports the nearest preceding claim", nearest_preceding_claim),
    LinkSystem("nearest_claim_paragraph", "each premise supports the nearest preceding claim of its paragraph",
               lambda docs: nearest_preceding_claim(docs, same_paragraph=True)),
    LinkSystem("previous_arguing_paragraph", "each claim or premise supports the claim or premise before it "
               "in its paragraph", previous_arguing),
]


def _folds(records: Records, grouping: Grouping, k: int, seed: int) -> list[set[int]]:
    key = "doc_id" if grouping == "document" else "section"
    groups = sorted({r[key] for r in records})
    if len(groups) < 2:
        raise LinkEvaluationError(f"grouping by {grouping} needs at least 2 groups, found {len(groups)}")
    order = np.random.default_rng(seed).permutation(len(groups))
    fold_of = {groups[g]: n % min(k, len(groups)) for n, g in enumerate(order)}
    folds: list[set[int]] = [set() for _ in range(min(k, len(groups)))]
    for i, r in enumerate(records):
        folds[fold_of[r[key]]].add(i)
    return folds


def out_of_fold_roles(records: Records, role_model: RoleModel, grouping: Grouping, folds: int, seed: int,
                      unlinked: Records = ()) -> dict[str, np.ndarray]:
    """Role and stance probabilities of ``records`` from sentence models that never saw them (inner folds):
    what a link model trained for predicted roles learns from, so it meets at training the errors it meets
    at prediction time."""
    out = {"role": np.zeros((len(records), len(ROLES)), np.float32),
           "stance": np.zeros((len(records), len(STANCES)), np.float32)}
    for held in _folds(records, grouping, folds, seed + 1):
        index = sorted(held)
        proba = role_model([r for i, r in enumerate(records) if i not in held] + list(unlinked))(
            [records[i] for i in index])
        for head in out:
            out[head][index] = proba[head]
    return out


def cross_validate(records: Records, links: Sequence[dict[str, Any]], grouping: Grouping, folds: int,
                   role_model: RoleModel, model_settings: dict[str, Any] | None = None,
                   seed: int = 13, unlinked: Records = (),
                   vectors: SentenceVectors | None = None,
                   predicted_settings: dict[str, Any] | None = None,
                   balance_sources: bool = True) -> dict[str, dict[str, list[Link]]]:
    """Pooled out-of-fold links per system and role mode (``gold`` / ``predicted``).

    Each fold fits two link models on the training fold: one on gold roles, which
    predicts the held-out sentences given gold roles; one on out-of-fold predicted
    roles of the training fold (``out_of_fold_roles``) with ``predicted_settings``
    (default ``PREDICTED_ROLE_SETTINGS``), which predicts them given predicted roles.
    ``unlinked``: annotated sentences of documents without link annotations; the
    sentence model of the fold learns from them too (they are never tested).
    ``balance_sources``: each source's documents weigh as much as the others' in the link models
    (``link_train.source_weights``), as in ``argmine train``.
    """
    out: dict[str, dict[str, list[Link]]] = {}
    names = ["link_model"] + [s.name for s in BASELINES]
    for name in names:
        out[name] = {"gold": [], "predicted": []}
    for held in _folds(records, grouping, folds, seed):
        train = [r for i, r in enumerate(records) if i not in held]
        test = [r for i, r in enumerate(records) if i in held]
        train_docs = documents_from_records(train)
        kept = {(r["doc_id"], r["sent_id"]) for r in train}
        train_links = [l for l in links if (l["doc_id"], l["source"]) in kept and (l["doc_id"], l["target"]) in kept]
        vectors = vectors or frozen_vectors()
        weights = source_weights(train) if balance_sources else None
        model = LinkModel(seed=seed, **(model_settings or {}), vectors=vectors).fit(train_docs, train_links, weights)
        inner = out_of_fold_roles(train, role_model, grouping, INNER_FOLDS, seed, unlinked)
        settings = {**PREDICTED_ROLE_SETTINGS, **(model_settings or {}), **(predicted_settings or {})}
        for_predicted = LinkModel(seed=seed, **settings, vectors=vectors).fit(
            with_record_probabilities(train_docs, train, inner), train_links, weights)
        gold_docs = documents_from_records(test)
        proba = role_model(train + list(unlinked))(test)
        predicted_docs = with_record_probabilities(gold_docs, test, proba)
        for mode, docs, linker in (("gold", gold_docs, model), ("predicted", predicted_docs, for_predicted)):
            out["link_model"][mode] += linker.predict(docs)
            for system in BASELINES:
                out[system.name][mode] += system.predict(docs)
    return out


def scores(predicted: Sequence[Link], gold: Sequence[dict[str, Any]], records: Records) -> dict[str, Any]:
    """Untyped and typed P/R/F1 on all sentences and per source (by the source sentence's record)."""
    source_of = {(r["doc_id"], r["sent_id"]): r["source"] for r in records}
    out = {}
    for subset in ["all"] + sorted({r["source"] for r in records}):
        keep = (lambda d, s: True) if subset == "all" else (lambda d, s, sub=subset: source_of.get((d, s)) == sub)
        p = [l for l in predicted if keep(l.doc_id, l.source)]
        g = [l for l in gold if keep(l["doc_id"], l["source"])]
        out[subset] = {"link": link_f1(p, g), "typed": link_f1(p, g, typed=True)}
    return out


def run_link_evaluation(corpus_dir: Path, folds: int = 5, groupings: Sequence[Grouping] = ("document", "paragraph"),
                        role_model: RoleModel = frozen_role_model, role_model_name: str = "frozen_lr",
                        model_settings: dict[str, Any] | None = None, seed: int = 13,
                        vectors: SentenceVectors | None = None, balance_sources: bool = True,
                        gold_part: GoldPart | None = None) -> dict[str, Any]:
    """Every system under every grouping, with gold and predicted roles.

    ``vectors``: what the link model's features read, the vectors of the sentence model
    that gives the predicted roles (default the frozen base encoder, as ``frozen_role_model``).
    ``gold_part``: predicted roles with that part taken from the gold roles (``with_gold_part``).
    """
    if gold_part is not None:
        role_model = with_gold_part(role_model, gold_part)
    linked = set(linked_documents(corpus_dir))
    if not linked:
        raise LinkEvaluationError(f"no document of {corpus_dir} is annotated for links (no {corpus_dir}/links/*.jsonl)")
    everything = load_corpus(corpus_dir)
    records = [r for r in everything if r["doc_id"] in linked]
    unlinked = [r for r in everything if r["doc_id"] not in linked]
    links = load_links(corpus_dir)
    docs = documents_from_records(records)
    source_of = {(r["doc_id"], r["sent_id"]): r["source"] for r in records}
    results: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus_fingerprint": fingerprint(corpus_dir), "folds": folds, "role_model": role_model_name,
        "balance_sources": balance_sources, "seed": seed, "gold_part": gold_part,
        "documents": len(linked), "sentences": len(records), "links": len(links),
        "attack": sum(l["type"] == "attack" for l in links),
        "links_by_source": dict(sorted(Counter(source_of[(l["doc_id"], l["source"])] for l in links).items())),
        "window_coverage": window_coverage(docs, links, 10),
        "systems": {"link_model": "pair logistic regression (models/links.py), window by 90% gold coverage, "
                                  "candidates in the source's paragraph",
                    **{s.name: s.description for s in BASELINES}},
        "groupings": {},
    }
    for grouping in groupings:
        pooled = cross_validate(records, links, grouping, folds, role_model, model_settings, seed, unlinked, vectors,
                                balance_sources=balance_sources)
        results["groupings"][grouping] = {name: {mode: scores(found, links, records) for mode, found in by_mode.items()}
                                          for name, by_mode in pooled.items()}
    return results


# ---- report ---------------------------------------------------------------------
def render_links_section(results: dict[str, Any], command: str) -> str:
    """The ``## Links`` section of EVALUATION.md."""
    cover = results["window_coverage"]
    lines = [
        "## Links", "",
        f"Made by `{command}` on {results['created']} (corpus fingerprint `{results['corpus_fingerprint']}`). "
        f"{results['documents']} documents annotated for links, {results['sentences']} sentences, "
        f"{results['links']} gold links ({results['attack']} attack; by source of the linking sentence: "
        + ", ".join(f"{s} {n}" for s, n in results["links_by_source"].items()) + "). "
        f"{results['folds']}-fold cross-validation. With gold roles the link model is trained on the gold roles of "
        "the other folds; with predicted roles, on out-of-fold predicted roles of the other folds (inner folds; its "
        "candidate rule `none_max` chosen there too), so it learns from the errors it meets. Each link model chooses "
        "its regularisation `C` and threshold on inner folds of its training documents. "
        "Exact match of source -> target (`link`) and of source -> target with its type (`typed`), pooled over "
        f"folds. Predicted roles come from `{results['role_model']}`"
        + (" (one prediction per sentence, by the model of the `argmine eval` fold that held it out). "
           if str(results["role_model"]).startswith("out-of-fold")
           else ", a class-weighted logistic regression over the frozen encoders' mean-pooled sentence vectors, "
                "fitted on the same training fold. " if str(results["role_model"]).startswith("frozen_lr")
           else " fitted on the same training fold. ")
        + (f"**Diagnostic run: the predicted roles carry the {GOLD_PARTS[results['gold_part']]}**, so its "
           "predicted-role rows say what fixing that part of the role errors alone would give, not what the "
           "models do. " if results.get("gold_part") else "")
        + ("Each source's documents weigh as much in total as the others' in the link models (real text as much "
           "as authored). " if results.get("balance_sources", False) else "Every document weighs the same. ")
        + f"Folds drawn with seed {results.get('seed', 13)}.", "",
        "Share of gold links whose ends are at most w sentences apart (the candidate window is the smallest w "
        "keeping 90% of the training links):", "",
        "| w | " + " | ".join(str(w) for w in cover) + " |", "|---" * (len(cover) + 1) + "|",
        "| kept | " + " | ".join(f"{v:.2f}" for v in cover.values()) + " |", "",
    ]
    for grouping, by_system in results["groupings"].items():
        subsets = list(next(iter(next(iter(by_system.values())).values())))
        for subset in subsets:
            lines += [f"### Grouped by {grouping}: {subset} sentences", "",
                      "| system | roles | link P | link R | link F1 | typed F1 | predicted | gold |",
                      "|---|---|---|---|---|---|---|---|"]
            for name, by_mode in by_system.items():
                for mode in ("gold", "predicted"):
                    s = by_mode[mode][subset]
                    lines.append(f"| {name} | {mode} | {s['link']['precision']:.3f} | {s['link']['recall']:.3f} | "
                                 f"{s['link']['f1']:.3f} | {s['typed']['f1']:.3f} | {s['link']['predicted']} | "
                                 f"{s['link']['gold']} |")
            lines.append("")
    lines += ["Systems:", ""] + [f"- `{n}`: {d}" for n, d in results["systems"].items()]
    return "\n".join(lines) + "\n"


def write_links_section(path: Path, section: str) -> None:
    """Replace the ``## Links`` section of a Markdown file (or append it), keeping everything else."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Evaluation\n"
    lines = text.splitlines()
    start = next((k for k, line in enumerate(lines) if line.strip() == "## Links"), None)
    if start is None:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        end = next((k for k in range(start + 1, len(lines)) if lines[k].startswith("## ")), len(lines))
        new = "\n".join(lines[:start]) + ("\n" if start else "") + section
        if end < len(lines):
            new += "\n" + "\n".join(lines[end:]) + "\n"
    path.write_text(new, encoding="utf-8")


def keep_links_section(path: Path, new_text: str) -> str:
    """``new_text`` with the ``## Links`` section of the file at ``path`` carried over, so rewriting the
    sentence-level report does not drop the link results."""
    if not path.exists():
        return new_text
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next((k for k, line in enumerate(lines) if line.strip() == "## Links"), None)
    if start is None or any(line.strip() == "## Links" for line in new_text.splitlines()):
        return new_text
    end = next((k for k in range(start + 1, len(lines)) if lines[k].startswith("## ")), len(lines))
    return new_text.rstrip("\n") + "\n\n" + "\n".join(lines[start:end]).rstrip("\n") + "\n"


def write_json(path: Path, results: dict[str, Any]) -> None:
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
