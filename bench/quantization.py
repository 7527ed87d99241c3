"""Where int8 dynamic quantization loses labels: which layers, quantized, change them.

    python -m argmine.bench.quantization --sentences 400

Corpus sentences read in context (as ``argmine label`` reads them) are labelled by the
fp32 network and by copies with ``torch.ao.quantization.quantize_dynamic`` applied to a
chosen set of ``nn.Linear`` layers; each copy's label agreement (all three heads) with
fp32 and its speed are printed. Mean pooling has no ``nn.Linear`` and is never touched.
"""

from __future__ import annotations

import argparse
import copy
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from argmine.bench.common import DEFAULT_MODEL_DIR, check_idle, print_table, write_result


def _variants() -> dict[str, Callable[[str], bool]]:
    out: dict[str, Callable[[str], bool]] = {
        "every nn.Linear (round 1's int8)": lambda n: True,
        "the heads only": lambda n: n.startswith("heads."),
        "the encoder only": lambda n: n.startswith("encoder."),
        "the encoder but its FFN output projections": lambda n: n.startswith("encoder.") and not (
            n.endswith("output.dense") and ".attention." not in n),
        "attention only (q, k, v, output)": lambda n: n.startswith("encoder.") and ".attention." in n,
        "FFN only (intermediate, output)": lambda n: n.startswith("encoder.") and ".attention." not in n,
    }
    for i in range(6):
        out[f"encoder layer {i} only"] = (lambda i: lambda n: n.startswith(f"encoder.encoder.layer.{i}."))(i)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(prog="python -m argmine.bench.quantization", description=__doc__.split("\n\n")[0])
    p.add_argument("--sentences", type=int, default=400, help="corpus sentences, in context (default 400)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR, help="argmine model directory")
    args = p.parse_args(argv)
    load = check_idle()
    import torch
    from torch.ao import quantization

    from argmine.models.context import in_context
    from argmine.models.inference import Engine, InferenceSettings
    from argmine.models.labeler import SentenceLabeler, _normalized
    from argmine.models.paths import ANNOTATIONS_DIR
    from argmine.training.corpus import load_corpus

    documents: dict[str, list[str]] = {}
    for record in load_corpus(ANNOTATIONS_DIR):
        documents.setdefault(record["doc_id"], []).append(record["text"])
    items = [_normalized(x) for texts in documents.values() for x in in_context(texts)][: args.sentences]
    labeler = SentenceLabeler.load(args.model)
    settings = InferenceSettings(precision="fp32", device="cpu", max_length=labeler.max_length,
                                 context_window=labeler.context_window)

    def run(network, chosen=settings) -> tuple[dict[str, np.ndarray], float]:
        engine = Engine(network, labeler.tokenizer_, chosen)
        start = time.perf_counter()
        probs = engine.predict_proba(items)
        return probs, len(items) / (time.perf_counter() - start)

    reference, fp32_rate = run(labeler.network_)

    def quantized(chosen: Callable[[str], bool], qconfig=quantization.default_dynamic_qconfig):
        network = copy.deepcopy(labeler.network_)
        spec = {name: qconfig for name, module in network.named_modules()
                if isinstance(module, torch.nn.Linear) and chosen(name)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao.quantization announces its deprecation
            return quantization.quantize_dynamic(network, spec, dtype=torch.qint8)

    def agreement(probs: dict[str, np.ndarray]) -> float:
        same = np.ones(len(items), dtype=bool)
        for head, ref in reference.items():
            same &= ref.argmax(1) == probs[head].argmax(1)
        return float(same.mean())

    rows = [{"quantized": "nothing (fp32)", "agreement": 1.0, "sentences_per_s": fp32_rate}]
    for name, chosen in _variants().items():
        probs, rate = run(quantized(chosen))
        rows.append({"quantized": name, "agreement": agreement(probs), "sentences_per_s": rate})
    probs, rate = run(quantized(lambda n: n.startswith("encoder."), quantization.per_channel_dynamic_qconfig))
    rows.append({"quantized": "the encoder, per-channel weight scales", "agreement": agreement(probs),
                 "sentences_per_s": rate})
    probs, rate = run(quantized(lambda n: True), InferenceSettings(**{**settings.__dict__, "max_batch": 1}))
    rows.append({"quantized": "every nn.Linear, one sentence per forward", "agreement": agreement(probs),
                 "sentences_per_s": rate})
    probs, rate = run(labeler.network_, InferenceSettings(**{**settings.__dict__, "precision": "bf16"}))
    rows.append({"quantized": "nothing, bf16 autocast instead", "agreement": agreement(probs), "sentences_per_s": rate})
    print_table(["int8 dynamic quantization of", "labels = fp32", "sentences/s"],
                [[r["quantized"], f"{r['agreement']:.2%}", r["sentences_per_s"]] for r in rows],
                title=f"{len(items)} corpus sentences in context, {torch.get_num_threads()} torch threads")
    result = {"sentences": len(items), "rows": rows, "load_average_at_start": load}
    write_result("quantization", result)
    return result


if __name__ == "__main__":
    main()
