"""Offline benchmark: ``argmine label`` end to end against off-the-shelf transformers pipelines.

    python -m argmine.bench.offline --docs 2000

On one synthetic corpus (``bench.common.build_corpus``) and its sentences:

- end to end: the real ``argmine label`` CLI in a subprocess on a JSONL of the documents,
  timed from process start to exit (imports, model load, reading, segmenting, labelling,
  writing), as documents/s and sentences/s;
- (a) ``transformers.pipeline("text-classification")`` at its defaults, one pipeline per
  dimension: three MiniLM-L6 classifiers (the packaged base encoder with random heads of
  3, 4 and 2 labels, fp32) run one after the other, which is what a user gets off the shelf;
- (b) the same pipelines at ``batch_size`` 8, 16 and 64;
- (c) the ceiling: the argmine network's forward alone on pre-tokenized, length-sorted
  token-budget batches already on the device;
- host stages: segmentation, tokenization and record building without any model, the
  limit a faster device cannot lift.

The pipelines are slow, so (a) and (b) run on a fixed random sample of the sentences
(``--sample-sentences``); their sentences/s compare with the others because the sample is
drawn uniformly from the same sentences. A sentence counts as labelled by the pipelines
once all three have classified it.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from argmine.bench.common import (DEFAULT_MODEL_DIR, Timer, argmine_command, build_corpus, check_idle, corpus_sentences,
                          print_table, quiet_transformers, write_jsonl, write_result)

# Issue 6 (fp32 pipelines) and issue 14 (against the best pipeline in argmine's own precision, bf16).
TARGETS = {"vs_pipeline_default": 10.0, "vs_pipeline_best_batch": 6.0, "vs_pipeline_best_batch_bf16": 3.0,
           "vs_ceiling": 0.8}
_SUMMARY = re.compile(r"labelled ([\d,]+) documents, ([\d,]+) sentences.*? in ([\d,.]+) s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m argmine.bench.offline", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", type=int, default=2000, help="documents in the corpus (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the corpus and of the pipeline sample")
    p.add_argument("--min-paragraphs", type=int, default=2, help="paragraphs per document, at least")
    p.add_argument("--max-paragraphs", type=int, default=6, help="paragraphs per document, at most")
    p.add_argument("--sample-sentences", type=int, default=1000,
                   help="sentences the slow pipelines (a) and (b) are timed on (default 1000)")
    p.add_argument("--batch-sizes", default="8,16,64", help="pipeline batch sizes for (b)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR, help="argmine model directory")
    p.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"], help="device for every system")
    p.add_argument("--precision", default="auto", choices=["auto", "bf16", "fp32"],
                   help="precision of the ceiling (c); `argmine label` always resolves 'auto' "
                        "(bf16 on CUDA and AMX/AVX512-BF16 CPUs)")
    p.add_argument("--batch-tokens", type=int, default=None,
                   help="padded tokens per forward for `argmine label` and (c) [default: the engine's]")
    p.add_argument("--max-batch", type=int, default=None,
                   help="sentences per forward for (c) [default: the engine's]; `argmine label` uses the engine's")
    p.add_argument("--chunk-size", type=int, default=256, help="`argmine label --chunk-size`")
    p.add_argument("--skip", default="", help="comma-separated parts to skip: e2e,ceiling,pipelines,host")
    p.add_argument("--name", default="offline", help="results file prefix")
    return p.parse_args(argv)


# ---- end to end: the real CLI ---------------------------------------------------------------------------------
def run_cli(corpus: Path, output: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [*argmine_command(), "label", str(corpus), "-o", str(output), "--model", str(args.model),
               "--device", args.device, "--chunk-size", str(args.chunk_size), "--no-progress", "--force"]
    if args.batch_tokens:
        command += ["--batch-tokens", str(args.batch_tokens)]
    if args.max_batch:
        command += ["--max-batch", str(args.max_batch)]
    print("running:", " ".join(command), flush=True)
    with Timer() as t:
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"argmine label failed with exit code {done.returncode}")
    match = _SUMMARY.search(done.stderr)
    records = sum(1 for _ in output.open(encoding="utf-8"))
    result: dict[str, Any] = {"command": command, "wall_seconds": t.seconds, "output_records": records}
    if match:
        result.update(documents=int(match[1].replace(",", "")), sentences=int(match[2].replace(",", "")),
                      run_seconds=float(match[3].replace(",", "")), summary_line=match[0])
    return result


# ---- (c) the ceiling ------------------------------------------------------------------------------------------
def collate(ids: list[list[int]], index: list[int], pad: int):
    import torch

    width = max(len(ids[i]) for i in index)
    input_ids = torch.full((len(index), width), pad, dtype=torch.long)
    mask = torch.zeros((len(index), width), dtype=torch.long)
    for row, i in enumerate(index):
        input_ids[row, : len(ids[i])] = torch.as_tensor(ids[i])
        mask[row, : len(ids[i])] = 1
    return input_ids, mask


def inference_settings(args: argparse.Namespace):
    from argmine.models.inference import InferenceSettings

    extra = {k: v for k, v in {"batch_tokens": args.batch_tokens, "max_batch": args.max_batch}.items() if v}
    return InferenceSettings(precision=args.precision, device=args.device, **extra)


def run_ceiling(docs: list[dict[str, str]], args: argparse.Namespace) -> dict[str, Any]:
    """Forward passes only, on the inputs ``argmine label`` gives the model: every sentence
    beside its neighbours (as many as the model reads), pooled over its own tokens.
    Tokenized, collated and moved to the device before the clock starts. The same
    sentences read alone are timed too: round 2 called that the ceiling, but a model
    that reads context runs about three times the tokens per sentence."""
    import torch

    from argmine.models.documents import model_inputs, split
    from argmine.models.inference import Engine, pad_batch, plan_batches, prefix_mask
    from argmine.models.labeler import SentenceLabeler, _normalized

    labeler = SentenceLabeler.load(args.model)
    settings = inference_settings(args)
    engine = Engine(labeler.network_, labeler.tokenizer_, replace(settings, max_length=labeler.max_length,
                                                                  context_window=labeler.context_window))
    items = [_normalized(item) for item in model_inputs([split(d["text"]) for d in docs])]
    with Timer() as tok:
        encoded = engine.encode(items)
    pad = labeler.tokenizer_.pad_token_id or 0
    cuda = engine.device.type == "cuda"

    def timed(inputs: list[tuple[list[int], int]]) -> dict[str, Any]:
        batches = plan_batches([len(x) for x, _ in inputs], engine.batch_tokens, engine.settings.max_batch)
        tensors = []
        for index in batches:
            input_ids, mask = pad_batch([inputs[i][0] for i in index], pad)
            pool = prefix_mask([inputs[i][1] for i in index], input_ids.shape[1])
            tensors.append(tuple(t.to(engine.device) for t in (input_ids, mask, pool)))
        with torch.inference_mode(), torch.autocast(engine.device.type, dtype=torch.bfloat16, enabled=engine.bf16):
            for batch in tensors[:3]:  # warm-up: lazy init, allocator, kernels
                engine.network(*batch)
            if cuda:
                torch.cuda.synchronize()
            with Timer() as t:
                for batch in tensors:
                    engine.network(*batch)
                if cuda:
                    torch.cuda.synchronize()
        tokens = sum(len(x) for x, _ in inputs)
        padded = sum(b[1].numel() for b in tensors)
        return {"sentences": len(inputs), "seconds": t.seconds, "sentences_per_s": len(inputs) / t.seconds,
                "batches": len(batches), "tokens": tokens, "tokens_per_sentence": tokens / max(1, len(inputs)),
                "padding_share": 1 - tokens / padded}

    in_context = timed(encoded)
    alone = timed([(x, len(x)) for x in engine.tokenize([item if isinstance(item, str) else item.text
                                                         for item in items])])
    return {**in_context, "alone": alone, "context_window": labeler.context_window, "bf16": engine.bf16,
            "device": str(engine.device), "batch_tokens": engine.batch_tokens,
            "max_batch": engine.settings.max_batch, "tokenize_seconds": tok.seconds}


# ---- (a) and (b): transformers pipelines ----------------------------------------------------------------------
def build_pipelines(device: str, bf16: bool = False) -> dict[str, Any]:
    """One text-classification pipeline per dimension, fp32 (or bf16 weights), random heads (speed does
    not depend on them)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    from argmine.models.encoder import base_model_path
    from argmine.models.scheme import HEADS

    torch.manual_seed(0)
    base = str(base_model_path())
    target = torch.device("cuda" if device in ("cuda", "auto") and torch.cuda.is_available() else "cpu")
    pipes = {}
    for head, labels in HEADS.items():
        model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=len(labels),
                                                                   local_files_only=True)
        model = model.to(torch.bfloat16) if bf16 else model.float()
        tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
        pipes[head] = pipeline("text-classification", model=model, tokenizer=tokenizer, device=target)
    return pipes


def time_pipelines(pipes: dict[str, Any], sentences: list[str], batch_size: int | None) -> dict[str, Any]:
    kwargs = {} if batch_size is None else {"batch_size": batch_size}
    for pipe in pipes.values():
        pipe(sentences[: max(2, batch_size or 2)], **kwargs)  # warm-up
    per_head = {}
    with Timer() as total:
        for head, pipe in pipes.items():
            with Timer() as t:
                out = pipe(sentences, **kwargs)
            assert len(out) == len(sentences)
            per_head[head] = t.seconds
    return {"batch_size": batch_size or "default (1)", "sentences": len(sentences), "seconds": total.seconds,
            "sentences_per_s": len(sentences) / total.seconds, "seconds_per_head": per_head}


# ---- host stages ----------------------------------------------------------------------------------------------
def time_host_stages(docs: list[dict[str, str]], sentences: list[str], segment_seconds: float,
                     tokenize_seconds: float | None) -> list[dict[str, Any]]:
    """Per-stage single-process throughput of what runs on the CPU whatever the device."""
    from argmine.models.documents import sentence_record, split
    from argmine.models.labeler import labels_from_proba
    from argmine.models.scheme import HEADS

    rng = np.random.default_rng(0)
    probs = {h: rng.dirichlet(np.ones(len(labels)), size=len(sentences)).astype(np.float32)
             for h, labels in HEADS.items()}
    pieces = [split(d["text"]) for d in docs]
    with Timer() as post:
        labels = labels_from_proba(probs)
        cursor = 0
        for d, doc_sentences in zip(docs, pieces):
            for i, s in enumerate(doc_sentences):
                json.dumps(sentence_record(d["id"], i, s, labels[cursor], "bench"), ensure_ascii=False)
                cursor += 1
    n = len(sentences)
    stages = [{"stage": "segment documents", "seconds": segment_seconds}]
    if tokenize_seconds is not None:
        stages.append({"stage": "tokenize (in context)", "seconds": tokenize_seconds})
    stages.append({"stage": "probabilities -> JSON records", "seconds": post.seconds})
    for s in stages:
        s["sentences_per_s"] = n / s["seconds"] if s["seconds"] else float("inf")
    return stages


# ---- the run --------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    load_at_start = check_idle()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if not (args.model / "config.json").exists():
        raise SystemExit(f"no argmine model at {args.model}: pass --model DIR (a directory written by `argmine train`)")
    quiet_transformers()
    import argmine.models.documents  # noqa: F401  - imported before the clock: segmentation is timed below

    docs = build_corpus(args.docs, args.seed, args.min_paragraphs, args.max_paragraphs)
    with Timer() as seg:
        sentences = corpus_sentences(docs)
    print(f"corpus: {len(docs):,} documents, {len(sentences):,} sentences, "
          f"{sum(len(d['text']) for d in docs):,} characters (seed {args.seed})", flush=True)
    result: dict[str, Any] = {"corpus": {"documents": len(docs), "sentences": len(sentences), "seed": args.seed,
                                         "paragraphs_per_document": [args.min_paragraphs, args.max_paragraphs]},
                              "settings": {k: str(v) for k, v in vars(args).items()},
                              "load_average_at_start": load_at_start}

    if "e2e" not in skip:
        with tempfile.TemporaryDirectory(prefix="argmine-bench-") as tmp:
            corpus = write_jsonl(Path(tmp) / "corpus.jsonl", docs)
            e2e = run_cli(corpus, Path(tmp) / "labels.jsonl", args)
        e2e["documents_per_s"] = len(docs) / e2e["wall_seconds"]
        e2e["sentences_per_s"] = e2e["output_records"] / e2e["wall_seconds"]
        if e2e["output_records"] != len(sentences):
            print(f"note: argmine label wrote {e2e['output_records']} records, the bench segmented "
                  f"{len(sentences)} sentences", flush=True)
        result["end_to_end"] = e2e

    if "ceiling" not in skip:
        print("ceiling (c): forward passes only ...", flush=True)
        result["ceiling"] = run_ceiling(docs, args)

    if "pipelines" not in skip:
        sample = random.Random(args.seed).sample(sentences, min(args.sample_sentences, len(sentences)))
        import torch

        from argmine.models.inference import resolve_bf16, resolve_device

        # bf16 too where the machine computes it natively, as argmine itself then runs.
        precisions = ["fp32", "bf16"] if resolve_bf16(resolve_device(args.device), "auto") else ["fp32"]
        runs = []
        for precision in precisions:
            pipes = build_pipelines(args.device, bf16=precision == "bf16")
            for batch_size in [None, *(int(b) for b in args.batch_sizes.split(",") if b.strip())]:
                print(f"pipelines ({precision}) at batch_size={batch_size or 'default'} on {len(sample)} "
                      "sentences ...", flush=True)
                with torch.inference_mode():
                    runs.append({**time_pipelines(pipes, sample, batch_size), "precision": precision})
        result["pipelines"] = runs

    if "host" not in skip:
        result["host_stages"] = time_host_stages(docs, sentences, seg.seconds,
                                                 result.get("ceiling", {}).get("tokenize_seconds"))

    report(result)
    write_result(args.name, result)
    return result


def ratios(result: dict[str, Any]) -> list[dict[str, Any]]:
    e2e = result.get("end_to_end", {}).get("sentences_per_s")
    if not e2e:
        return []
    rows = []
    for precision in ("fp32", "bf16"):
        pipelines = [r for r in result.get("pipelines") or [] if r.get("precision", "fp32") == precision]
        if not pipelines:
            continue
        rows.append({"comparison": f"end to end / (a) pipeline defaults, {precision}",
                     "ratio": e2e / pipelines[0]["sentences_per_s"], "target": TARGETS["vs_pipeline_default"]})
        if len(pipelines) > 1:
            best = max(pipelines[1:], key=lambda r: r["sentences_per_s"])
            rows.append({"comparison": f"end to end / (b) best pipeline batch ({best['batch_size']}), {precision}",
                         "ratio": e2e / best["sentences_per_s"],
                         "target": TARGETS["vs_pipeline_best_batch" + ("_bf16" if precision == "bf16" else "")]})
    if "ceiling" in result:
        rows.append({"comparison": "end to end / (c) forward-only ceiling",
                     "ratio": e2e / result["ceiling"]["sentences_per_s"], "target": TARGETS["vs_ceiling"]})
    for row in rows:
        row["met"] = row["ratio"] >= row["target"]
    return rows


def report(result: dict[str, Any]) -> None:
    n = result["corpus"]["sentences"]
    rows = []
    if "end_to_end" in result:
        e = result["end_to_end"]
        rows.append(["argmine label, end to end (subprocess wall clock)", e["output_records"], e["wall_seconds"],
                     e["sentences_per_s"], e["documents_per_s"]])
        if "run_seconds" in e:
            rows.append(["  of which labelling (CLI's own timer)", e["sentences"], e["run_seconds"],
                         e["sentences"] / e["run_seconds"], e["documents"] / e["run_seconds"]])
    for run in result.get("pipelines", []):
        label = "(a) pipelines x3, defaults" if run["batch_size"] == "default (1)" else \
            f"(b) pipelines x3, batch_size={run['batch_size']}"
        rows.append([label + f", {run.get('precision', 'fp32')} [sample]", run["sentences"], run["seconds"], run["sentences_per_s"], "-"])
    if "ceiling" in result:
        c = result["ceiling"]
        rows.append([f"(c) argmine forward only ({'bf16' if c['bf16'] else 'fp32'}, {c['device']}), in context",
                     c["sentences"], c["seconds"], c["sentences_per_s"], "-"])
        if "alone" in c:
            a = c["alone"]
            rows.append(["  the same sentences read alone (round 2's ceiling)", a["sentences"], a["seconds"],
                         a["sentences_per_s"], "-"])
    print()
    print_table(["system", "sentences", "seconds", "sentences/s", "documents/s"], rows,
                title=f"offline labelling: {result['corpus']['documents']:,} documents, {n:,} sentences")
    pipelines = result.get("pipelines") or []
    if pipelines:
        print(f"(a) and (b) ran on a fixed random sample of {pipelines[0]['sentences']:,} of the {n:,} sentences; "
              "a sentence counts once all three pipelines labelled it.")
    if rows_r := ratios(result):
        print()
        print_table(["comparison", "ratio", "target", "met"],
                    [[r["comparison"], round(r["ratio"], 2), r["target"], "yes" if r["met"] else "NO"] for r in rows_r],
                    title="targets (issue 6)")
        result["ratios"] = rows_r
    if "host_stages" in result:
        print()
        print_table(["stage", "seconds", "sentences/s"],
                    [[s["stage"], s["seconds"], s["sentences_per_s"]] for s in result["host_stages"]],
                    title="host stages, one process, no model (the limit a faster device cannot lift)")
    print()


if __name__ == "__main__":
    main()
