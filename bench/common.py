"""What every benchmark shares: the synthetic corpus, the machine, tables and JSON results.

The corpus is e-democracy prose rebuilt from the annotated documents: their
paragraphs, shuffled with a fixed seed into new documents. Nothing is downloaded,
so every benchmark runs from a fresh clone and two runs see the same text.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from argmine.models.paths import ANNOTATIONS_DIR, DEFAULT_MODEL_DIR, PROJECT_ROOT

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
DOCUMENTS_DIR = ANNOTATIONS_DIR / "documents"

__all__ = ["DEFAULT_MODEL_DIR", "RESULTS_DIR", "Timer", "argmine_command", "build_corpus", "check_idle",
           "corpus_sentences", "machine", "paragraphs", "percentile", "print_table", "quiet_transformers", "write_jsonl",
           "write_result"]


def paragraphs(directory: Path = DOCUMENTS_DIR) -> list[str]:
    """Every non-blank paragraph (blank-line separated) of the corpus documents, in file order."""
    files = sorted(directory.glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"no corpus documents (*.txt) under {directory}")
    out: list[str] = []
    for path in files:
        out.extend(p.strip() for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if p.strip())
    return out


def build_corpus(n_docs: int, seed: int = 0, min_paragraphs: int = 2, max_paragraphs: int = 6,
                 directory: Path = DOCUMENTS_DIR) -> list[dict[str, str]]:
    """``n_docs`` documents (``{"id", "text"}``), each a few paragraphs drawn without replacement.

    The same arguments always give the same documents.
    """
    if not 1 <= min_paragraphs <= max_paragraphs:
        raise ValueError(f"need 1 <= min_paragraphs <= max_paragraphs, got {min_paragraphs}..{max_paragraphs}")
    pool = paragraphs(directory)
    rng = random.Random(seed)
    docs = []
    for i in range(n_docs):
        k = min(rng.randint(min_paragraphs, max_paragraphs), len(pool))
        docs.append({"id": f"bench-{i:06d}", "text": "\n\n".join(rng.sample(pool, k))})
    return docs


def corpus_sentences(docs: Sequence[dict[str, str]]) -> list[str]:
    """The sentences ``argmine label`` sees: the same segmenter and normalisation as the labeler."""
    from argmine.models.documents import split
    from argmine.models.segment import normalize

    return [normalize(s.text) for d in docs for s in split(d["text"])]


def quiet_transformers() -> None:
    """No per-model "Loading weights" bars or newly-initialised-head warnings in benchmark output."""
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """What the numbers were measured on, stored beside them."""
    import torch

    info: dict[str, Any] = {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cpu_native_bf16": bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported()),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    try:
        import transformers

        info["transformers"] = transformers.__version__
    except ImportError:  # pragma: no cover - a dependency
        pass
    return info


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> str:
    """A plain-text table, right-aligned numbers; printed and returned."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
        return str(value)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = [bool(rows) and all(isinstance(row[i], (int, float)) or row[i] in ("-", "") for row in rows)
               for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()

    text = "\n".join([*([title] if title else []), line(headers), line(["-" * w for w in widths]),
                      *(line(r) for r in cells)])
    print(text, flush=True)
    return text


def write_result(name: str, payload: dict[str, Any], results_dir: Path = RESULTS_DIR) -> Path:
    """``bench/results/<name>-<UTC time>.json`` holding the payload, the machine and the command."""
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = results_dir / f"{name}-{stamp}.json"
    data = {"benchmark": name, "created": stamp, "command": [Path(sys.argv[0]).name, *sys.argv[1:]],
            "machine": machine(), **payload}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}", flush=True)
    return path


def check_idle(threshold: float = 0.5) -> float | None:
    """The 1-minute load average before the benchmark starts; warns when other work is running.

    On a shared machine torch's intra-op threads must wait for a time slice at every
    parallel region: measured here, a 12x384 linear layer took 3.9 ms with 2 threads
    beside one busy process against 0.07 ms with 1 thread. Numbers taken under load
    understate an idle machine, and small batches (batch-1 pipelines, lone requests)
    suffer most.
    """
    if not hasattr(os, "getloadavg"):
        return None
    load = os.getloadavg()[0]
    if load > threshold:
        print(f"warning: load average {load:.1f} on {os.cpu_count()} CPUs before the start: other processes are "
              "running, so these numbers understate an idle machine (small batches most); rerun when idle.",
              file=sys.stderr, flush=True)
    return round(load, 2)


class Timer:
    """``with Timer() as t: ...; t.seconds``: wall-clock seconds of the block."""

    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def argmine_command() -> list[str]:
    """The installed ``argmine`` console script beside this interpreter, else ``python -m argmine.cli``."""
    script = Path(sys.executable).with_name("argmine")
    return [str(script)] if script.exists() else [sys.executable, "-m", "argmine"]
