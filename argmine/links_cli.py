"""``argmine links ...``: train, evaluate and export the argument structure (thin wrappers)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Literal, Optional

import typer

from argmine.models.encoder import DEFAULT_BASE
from argmine.models.paths import ANNOTATIONS_DIR

links_app = typer.Typer(help="Links between sentences: which supports or attacks which.", no_args_is_help=True)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _settings(overrides: list[str]) -> dict:
    """``--set C=0.1`` pairs as LinkModel settings (JSON values where they parse)."""
    from dataclasses import fields

    from argmine.models.links import LinkModel

    known = {f.name for f in fields(LinkModel)} - {"vectors"}
    out = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or key not in known:
            _fail(f"--set {item!r}: expected KEY=VALUE with KEY one of {sorted(known)}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


@links_app.command("train")
def train_links(
    model_dir: Path = typer.Option(..., "--model-dir", help="Model directory; the link model goes to DIR/links."),
    annotations: Path = typer.Option(ANNOTATIONS_DIR, "--annotations", help="Corpus folder."),
    overrides: list[str] = typer.Option([], "--set", help="LinkModel setting: --set C=0.1"),
    roles_from: Optional[Path] = typer.Option(None, "--roles-from", help="Learn from the out-of-fold roles of "
                                              "`argmine eval --predictions` (the same recipe, a model per fold) "
                                              "instead of the roles the sentence model in DIR gives sentences it "
                                              "trained on."),
    roles_system: Optional[str] = typer.Option(None, "--roles-system", help="Which system of --roles-from "
                                               "(needed when the file holds several)."),
) -> None:
    """Train the link model on every document annotated for links over the vectors of the sentence model
    in DIR, from its predicted roles (or out-of-fold ones), and save it."""
    from argmine.models.artifacts import ModelFormatError
    from argmine.models.links import LinkModelError
    from argmine.training.corpus import CorpusError
    from argmine.training.link_train import read_link_data, train_links
    from argmine.training.predictions import PredictionsError

    try:
        model = train_links(annotations, model_dir, _settings(overrides), roles_from=roles_from,
                            roles_system=roles_system)
    except (CorpusError, LinkModelError, ModelFormatError, PredictionsError) as exc:
        _fail(str(exc))
    if model is None:
        _fail(f"no document of {annotations} is annotated for links (no {annotations}/links/*.jsonl with a link)")
    typer.echo(f"saved the link model to {model_dir / 'links'}: {model.n_training_links_} links in "
               f"{model.n_training_documents_} documents, window {model.window_} (keeps "
               f"{model.coverage_[model.window_]:.0%} of them), threshold {model.threshold_}, C {model.C_}, "
               f"candidates with role none at most {model.none_max_}; learned from "
               + read_link_data(model_dir)["roles"])


@links_app.command("eval")
def eval_links(
    folds: int = typer.Option(5, help="Cross-validation folds."),
    grouping: str = typer.Option("document,paragraph", help="Comma-separated: document, paragraph."),
    out: Path = typer.Option(Path("EVALUATION.md"), "--out", help="Markdown file whose '## Links' section is written."),
    json_out: Path = typer.Option(Path("evaluation-links.json"), "--json", help="Full results as JSON."),
    annotations: Path = typer.Option(ANNOTATIONS_DIR, "--annotations", help="Corpus folder."),
    roles_model: Optional[Path] = typer.Option(None, "--roles-model", help="Take predicted roles from this saved "
                                               "sentence model (trained on all data: optimistic) instead of an "
                                               "out-of-fold frozen-vector LR."),
    roles_from: Optional[Path] = typer.Option(None, "--roles-from", help="Take predicted roles from out-of-fold "
                                              "predictions written by `argmine eval --predictions` (a fine-tuned "
                                              "model per fold) instead of the frozen-vector LR."),
    roles_system: Optional[str] = typer.Option(None, "--roles-system", help="Which system of --roles-from "
                                               "(needed when the file holds several)."),
    overrides: list[str] = typer.Option([], "--set", help="LinkModel setting: --set C=0.1"),
    balance_sources: bool = typer.Option(True, "--balance-sources/--no-balance-sources", help="Each source "
                                         "(seed, authored) weighs as much as the others in the link models."),
    seed: int = typer.Option(13, help="Seed of the folds: rerun with others to see how much the scores move."),
    gold_part: Optional[str] = typer.Option(None, "--gold-part", help="Diagnostic: replace one part of the "
                                            "predicted roles by the gold ones, 'claim-premise' (the split of "
                                            "arguing sentences) or 'arguing' (none vs arguing), to see which "
                                            "role errors cost links."),
    frozen_bases: str = typer.Option(DEFAULT_BASE, "--frozen-bases", help="Comma-separated base encoders whose frozen "
                                     "vectors, side by side, the default frozen-vector LR reads for the predicted "
                                     "roles: minilm (ships with argmine), mpnet (`argmine base fetch mpnet`)."),
) -> None:
    """Cross-validated link P/R/F1 against no-link and nearest-preceding-claim; prints and writes the table."""
    if roles_from is not None and roles_model is not None:
        _fail("--roles-from and --roles-model each give the predicted roles: choose one")
    groupings = [g.strip() for g in grouping.split(",") if g.strip()]
    if not groupings or any(g not in ("document", "paragraph") for g in groupings):
        _fail(f"--grouping {grouping!r}: choose from document, paragraph")
    bases = tuple(b.strip() for b in frozen_bases.split(",") if b.strip())
    if (roles_from is not None or roles_model is not None) and bases != (DEFAULT_BASE,):
        _fail("--frozen-bases chooses the frozen-vector LR's encoders; --roles-from and --roles-model replace that LR")
    evaluate_links(annotations, folds, groupings, out, json_out, roles_model, _settings(overrides), roles_from,
                   roles_system, balance_sources, seed, gold_part, bases)


def evaluate_links(annotations: Path, folds: int, groupings: list[str], out: Path, json_out: Path,
                   roles_model: Optional[Path] = None, settings: Optional[dict] = None,
                   roles_from: Optional[Path] = None, roles_system: Optional[str] = None,
                   balance_sources: bool = True, seed: int = 13, gold_part: Optional[str] = None,
                   frozen_bases: tuple[str, ...] = (DEFAULT_BASE,)) -> None:
    """Run the link evaluation, print its table, write the '## Links' section and the JSON (also `argmine eval --links`)."""
    from argmine.models.links import LinkModelError
    from argmine.training.corpus import CorpusError
    from argmine.models.artifacts import ModelFormatError
    from argmine.models.encoder import BaseEncoderMissing
    from argmine.training.links_eval import (FrozenRoleModel, LinkEvaluationError, labeler_role_model,
                                             predictions_role_model, render_links_section, run_link_evaluation,
                                             write_json, write_links_section)

    try:
        frozen = FrozenRoleModel(frozen_bases)
        role_model, vectors, name = frozen, None, frozen.name
        if roles_model:
            (role_model, vectors), name = labeler_role_model(roles_model), f"saved model {roles_model}"
        elif roles_from:
            role_model, system = predictions_role_model(roles_from, roles_system)
            name = f"out-of-fold {system} ({roles_from})"
        results = run_link_evaluation(annotations, folds, groupings, role_model,  # type: ignore[arg-type]
                                      name, settings, seed=seed, vectors=vectors, balance_sources=balance_sources,
                                      gold_part=gold_part)  # type: ignore[arg-type]
    except (CorpusError, LinkModelError, LinkEvaluationError, ModelFormatError, BaseEncoderMissing, OSError, ValueError,
            KeyError) as exc:
        _fail(str(exc))
    command = "argmine " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if len(sys.argv) > 1 else "argmine links eval"
    section = render_links_section(results, command)
    typer.echo(section)
    write_links_section(out, section)
    write_json(json_out, results)
    typer.echo(f"wrote the '## Links' section of {out} and {json_out}")


@links_app.command("export")
def export_links(
    source: Path = typer.Argument(..., help="A labelled JSONL (one sentence per line, from `argmine label`), "
                                  "or a corpus folder (gold links)."),
    output: Path = typer.Option(..., "-o", "--output", help="Output file."),
    fmt: Literal["auto", "csv", "graphml", "aif"] = typer.Option("auto", "--format",
                                                                 help="auto: by extension (.csv, .graphml, .json)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Predict links with this model directory (its "
                                         "links/ folder, on its sentence model's vectors) where the records "
                                         "carry none."),
) -> None:
    """Export the argument structure as a CSV edge list, GraphML, or AIF JSON."""
    from argmine.models.artifacts import ModelFormatError
    from argmine.models.link_outputs import export, links_from_records, predict_links
    from argmine.models.links import LinkModel, LinkModelError
    from argmine.training.corpus import CorpusError, load_corpus, load_links

    if fmt == "auto":
        fmt = {".csv": "csv", ".graphml": "graphml", ".json": "aif"}.get(output.suffix.lower())  # type: ignore
        if fmt is None:
            _fail(f"cannot tell the format from {output.name!r}; use .csv, .graphml or .json, or --format")
    try:
        if source.is_dir():
            records = load_corpus(source)
            from argmine.models.links import Link

            links = [Link(l["doc_id"], l["source"], l["target"], l["type"], 1.0) for l in load_links(source)]
        else:
            records = _read_jsonl(source)
            links = links_from_records(records)
            if model is not None and not links:
                from argmine.models.labeler import SentenceLabeler
                from argmine.models.sentence_vectors import LabelerVectors

                model_dir = model if (model / "links").is_dir() else model.parent
                link_model = LinkModel.load(model_dir / "links", vectors=LabelerVectors(SentenceLabeler.load(model_dir)))
                by_doc: dict[str, list] = {}
                for r in records:
                    by_doc.setdefault(str(r["doc_id"]), []).append(r)
                links = [l for found in predict_links(list(by_doc.values()), link_model) for l in found]
    except (CorpusError, LinkModelError, ModelFormatError, OSError, ValueError, KeyError) as exc:
        _fail(f"cannot export {source}: {exc}")
    output.write_text(export(records, links, fmt), encoding="utf-8")
    typer.echo(f"{len(links)} links among {len(records)} sentences -> {output} ({fmt})")


def _read_jsonl(path: Path) -> list[dict]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number} is not valid JSON ({exc.msg})") from None
    return records


@links_app.command("agreement")
def agreement_links(
    first: Path = typer.Argument(..., help="First pass: a links JSONL file or folder (e.g. annotations/links)."),
    second: Path = typer.Argument(..., help="Second, blind pass over some of the same documents (file or folder)."),
    annotations: Path = typer.Option(ANNOTATIONS_DIR, "--annotations", help="Corpus folder (sentences and roles)."),
) -> None:
    """Agreement on link existence (kappa over arguing sentence pairs, F1) and on type, for AGREEMENT.md."""
    from argmine.training.corpus import CorpusError, load_corpus
    from argmine.training.link_agreement import link_agreement, read_links

    try:
        records = load_corpus(annotations)
        a, b = read_links(first), read_links(second)
    except (CorpusError, OSError, json.JSONDecodeError) as exc:
        _fail(str(exc))
    documents = sorted({l["doc_id"] for l in b} | ({p.stem for p in second.glob("*.jsonl")} if second.is_dir() else set()))
    r = link_agreement(records, a, b, documents)
    typer.echo(f"{r['documents']} documents, {r['pairs']} ordered pairs of arguing sentences; links: first "
               f"{r['first']}, second {r['second']}, both {r['both']}")
    typer.echo(f"  existence kappa {r['existence_kappa']:.3f}  F1 (second vs first) {r['existence_f1']:.3f}  "
               f"typed F1 {r['typed_f1']:.3f}")
    typer.echo(f"  type kappa {r['type_kappa']:.3f}  observed {r['type_observed']:.3f} over links both drew")
