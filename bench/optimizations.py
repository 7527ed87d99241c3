"""Hot-path optimisations, each measured against the shipped engine on this machine.

    python -m argmine.bench.optimizations --sentences 1000 --repeats 3

All variants label the same sentences (a fixed random sample of the benchmark corpus),
already tokenized, so only collation, the forward pass and the softmax are timed. The
baseline is ``models.inference.Engine`` as shipped, forced to fp32. Each variant is
reported as sentences/s (best of ``--repeats`` runs; the runs of all variants are
interleaved so a change in background load hits them alike), its speed-up over the
baseline, and how often its labels (the argmax of all three heads) agree with the
fp32 baseline's.

Variants:
- ``bf16``: autocast to bfloat16 (what ``precision="auto"`` picks on AMX / AVX512-BF16 CPUs).
- ``tokens=N``: the token budget per forward pass (sentence cap raised so the budget binds).
- ``unsorted``: fixed batches of 32 sentences in input order, no length sorting.
- ``no-prefetch``: sorted token-budget batches, collated in the loop instead of one batch ahead.
- ``threads=N``: ``torch.set_num_threads(N)``.
- ``compile``: ``torch.compile(network, dynamic=True)``; compile time is reported apart.

int8 dynamic quantization was a variant until round 3 and is gone: it agreed with fp32 on
only 82-90% of labels. Its error comes from the encoder's activations quantized to 8 bits
per tensor (every layer loses labels, the lowest most, and the FFN output projection most
of all), not from the heads (99.75% when only they are quantized) or the pooling (no
``nn.Linear``, untouched); per-channel weight scales reach 94.75%. On a CPU with native
bf16 it is also slower than bf16, which keeps 99.5% (BENCHMARKS.md, round 3).
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from argmine.bench.common import (DEFAULT_MODEL_DIR, Timer, build_corpus, check_idle, corpus_sentences, print_table,
                          quiet_transformers, write_result)

ALL_VARIANTS = ("bf16", "tokens=1024", "tokens=2048", "tokens=4096", "tokens=16384", "tokens=32768", "unsorted",
                "no-prefetch", "threads=1", "compile")

Probs = dict[str, np.ndarray]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m argmine.bench.optimizations", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sentences", type=int, default=1000, help="sentences labelled per run (default 1000)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per variant; the best counts (default 3)")
    p.add_argument("--variants", default=",".join(ALL_VARIANTS), help="comma-separated subset of the variants")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR, help="argmine model directory")
    p.add_argument("--seed", type=int, default=0, help="seed of the corpus and the sample")
    p.add_argument("--name", default="optimizations", help="results file prefix")
    return p.parse_args(argv)


@dataclass
class Variant:
    name: str
    run: Callable[[Sequence[Sequence[int]]], Probs]
    setup_seconds: float = 0.0
    threads: int | None = None
    times: list[float] = field(default_factory=list)
    probs: Probs | None = None
    error: str | None = None


def softmax_all(logits: dict) -> dict:
    import torch

    return {k: torch.softmax(v.float(), dim=-1) for k, v in logits.items()}


def sequential(network, tokenizer, batches: Callable[[list[int]], list[list[int]]]):
    """A loop without the engine's prefetch thread: collate, forward, softmax, one batch at a time."""
    import torch

    from argmine.bench.offline import collate

    pad = tokenizer.pad_token_id or 0

    def run(ids: Sequence[Sequence[int]]) -> Probs:
        out: Probs = {}
        with torch.inference_mode():
            for index in batches([len(x) for x in ids]):
                probs = softmax_all(network(*collate(ids, index, pad)))
                for head, p in probs.items():
                    out.setdefault(head, np.zeros((len(ids), p.shape[1]), dtype=np.float32))[index] = p.numpy()
        return out

    return run


def build_variants(names: Sequence[str], labeler, base) -> list[Variant]:
    import torch

    from argmine.models.inference import Engine, plan_batches

    network, tokenizer = labeler.network_, labeler.tokenizer_
    baseline = Engine(network, tokenizer, base)
    variants = [Variant("baseline (fp32, engine as shipped)", baseline.predict_proba_ids)]
    for name in names:
        try:
            if name == "bf16":
                variants.append(Variant(name, Engine(network, tokenizer, replace(base, precision="bf16"))
                                        .predict_proba_ids))
            elif name.startswith("tokens="):
                tokens = int(name.split("=", 1)[1])
                settings = replace(base, batch_tokens=tokens, max_batch=max(base.max_batch, tokens // 8))
                variants.append(Variant(name, Engine(network, tokenizer, settings).predict_proba_ids))
            elif name == "unsorted":
                variants.append(Variant(name + " (32 per batch, input order)", sequential(
                    network, tokenizer, lambda lengths: [list(range(i, min(i + 32, len(lengths))))
                                                         for i in range(0, len(lengths), 32)])))
            elif name == "no-prefetch":
                variants.append(Variant(name, sequential(
                    network, tokenizer, lambda lengths: plan_batches(lengths, baseline.batch_tokens, base.max_batch))))
            elif name.startswith("threads="):
                variants.append(Variant(name, Engine(network, tokenizer, base).predict_proba_ids,
                                        threads=int(name.split("=", 1)[1])))
            elif name == "compile":
                with Timer() as t:
                    compiled = torch.compile(copy.deepcopy(network), dynamic=True)
                variants.append(Variant(name + " (dynamic=True)", Engine(compiled, tokenizer, base).predict_proba_ids,
                                        setup_seconds=t.seconds))
            elif name.startswith("int8"):
                raise SystemExit("int8 dynamic quantization is no longer a variant: it agreed with fp32 on only "
                                 "82-90% of labels (why: BENCHMARKS.md, round 3)")
            else:
                raise SystemExit(f"unknown variant {name!r}; known: {', '.join(ALL_VARIANTS)}")
        except SystemExit:
            raise
        except Exception as exc:  # noqa: BLE001 - a variant this torch cannot build is a finding, not a crash
            variants.append(Variant(name, lambda ids: {}, error=f"{type(exc).__name__}: {exc}"))
    return variants


def timed(variant: Variant, ids: Sequence[Sequence[int]]) -> Probs:
    import torch

    previous = torch.get_num_threads()
    if variant.threads:
        torch.set_num_threads(variant.threads)
    try:
        start = time.perf_counter()
        probs = variant.run(ids)
        variant.times.append(time.perf_counter() - start)
        return probs
    finally:
        torch.set_num_threads(previous)


def agreement(reference: Probs, probs: Probs) -> tuple[float, float]:
    """Share of sentences whose three labels all match, and the largest probability difference."""
    same = np.ones(len(next(iter(reference.values()))), dtype=bool)
    diff = 0.0
    for head, ref in reference.items():
        same &= ref.argmax(1) == probs[head].argmax(1)
        diff = max(diff, float(np.abs(ref - probs[head]).max()))
    return float(same.mean()), diff


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    load_at_start = check_idle()
    quiet_transformers()
    import torch

    from argmine.models.inference import InferenceSettings
    from argmine.models.labeler import SentenceLabeler

    if not (args.model / "config.json").exists():
        raise SystemExit(f"no argmine model at {args.model}: pass --model DIR (a directory written by `argmine train`)")
    labeler = SentenceLabeler.load(args.model)
    base = InferenceSettings(precision="fp32", device="cpu", max_length=labeler.max_length)
    # Enough documents that the sample is drawn from many sentences, not the first few paragraphs.
    docs = build_corpus(max(50, args.sentences // 8), args.seed)
    pool = corpus_sentences(docs)
    sample = random.Random(args.seed).sample(pool, min(args.sentences, len(pool)))
    ids = labeler.tokenizer_(sample, truncation=True, max_length=labeler.max_length)["input_ids"]
    names = [n.strip() for n in args.variants.split(",") if n.strip()]
    print(f"{len(sample)} sentences ({sum(map(len, ids)) / len(ids):.1f} tokens on average), "
          f"{torch.get_num_threads()} torch threads, variants: {', '.join(names)}", flush=True)
    variants = build_variants(names, labeler, base)

    warm = ids[: min(64, len(ids))]
    for v in variants:  # warm-up; for compile this is where compilation happens, so it is timed apart
        if v.error:
            continue
        try:
            with Timer() as t:
                timed(v, warm)
                timed(v, ids[-min(64, len(ids)):])
            v.times.clear()
            if v.name.startswith("compile"):
                v.setup_seconds += t.seconds
        except Exception as exc:  # noqa: BLE001
            v.error = f"{type(exc).__name__}: {exc}"
    for r in range(args.repeats):
        for v in variants:
            if v.error:
                continue
            print(f"run {r + 1}/{args.repeats}: {v.name} ...", flush=True)
            try:
                probs = timed(v, ids)
                if v.probs is None:
                    v.probs = probs
            except Exception as exc:  # noqa: BLE001
                v.error = f"{type(exc).__name__}: {exc}"

    reference = variants[0].probs
    base_rate = len(ids) / min(variants[0].times)
    rows = []
    for v in variants:
        row: dict[str, Any] = {"variant": v.name, "setup_seconds": v.setup_seconds, "error": v.error}
        if not v.error and v.times:
            rate = len(ids) / min(v.times)
            same, diff = agreement(reference, v.probs)
            row.update(sentences_per_s=rate, median_sentences_per_s=len(ids) / statistics.median(v.times),
                       speedup=rate / base_rate, label_agreement=same, max_prob_diff=diff, runs=v.times)
        rows.append(row)
    print()
    print_table(["variant", "sent/s (best)", "sent/s (median)", "speed-up", "labels = fp32", "max |dp|", "setup s"],
                [[r["variant"], r.get("sentences_per_s", "-"), r.get("median_sentences_per_s", "-"),
                  round(r["speedup"], 2) if "speedup" in r else "-",
                  f"{r['label_agreement']:.2%}" if "label_agreement" in r else r["error"][:60],
                  round(r["max_prob_diff"], 4) if "max_prob_diff" in r else "-",
                  round(r["setup_seconds"], 1)] for r in rows],
                title=f"hot-path variants on {len(ids)} pre-tokenized sentences, best of {args.repeats}")
    print()
    result = {"sentences": len(ids), "repeats": args.repeats, "load_average_at_start": load_at_start,
              "settings": {k: str(v) for k, v in vars(args).items()}, "baseline_settings": asdict(base),
              "variants": rows}
    write_result(args.name, result)
    return result


if __name__ == "__main__":
    main()
