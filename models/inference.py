"""Batched inference, the hot path.

Sentences are tokenized once, sorted by length and cut into batches by a padded-token
budget, so a batch of short sentences is wide and a batch of long ones narrow and
no compute goes to padding. The forward runs under ``inference_mode`` and, where
the hardware computes bf16 natively (AMX / AVX512-BF16 CPUs, CUDA), under bf16
autocast. The next batch is collated on a background thread while the current one
runs. Results come back in input order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

Precision = Literal["auto", "bf16", "fp32"]


@dataclass(frozen=True)
class InferenceSettings:
    # Padded tokens per forward; None picks by device. On CPU 2,048 (~64 sentences of
    # 32 tokens) keeps activations in cache: measured 1.28x faster than 8,192 on the
    # 2-core development machine (BENCHMARKS.md). A GPU wants large batches.
    batch_tokens: int | None = None
    max_batch: int = 256
    max_length: int = 128
    precision: Precision = "auto"
    device: str = "auto"


CPU_BATCH_TOKENS = 2048
CUDA_BATCH_TOKENS = 65536


def resolve_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was asked for but no CUDA GPU is visible; use --device cpu or auto")
    return device


def cpu_has_native_bf16() -> bool:
    """AMX or AVX512-BF16: without them bf16 matmuls are emulated and slower than fp32."""
    return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())


def resolve_bf16(device: torch.device, precision: Precision) -> bool:
    if precision == "bf16":
        return True
    if precision == "fp32":
        return False
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return cpu_has_native_bf16()


# A batch is also cut where its width would pass twice that of its shortest sentence
# (once it holds enough rows to keep the matrix units busy): otherwise a small call,
# which never reaches the token budget, pads every short sentence to the longest.
# Measured on 64 mixed service sentences: 139 -> 185 sentences/s on 2 cores.
_MAX_WIDTH_GROWTH = 2.0
_MIN_ROWS_BEFORE_CUT = 16


def plan_batches(lengths: Sequence[int], batch_tokens: int, max_batch: int) -> list[list[int]]:
    """Index batches over length-sorted inputs, each within the padded-token budget."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        width = lengths[index]  # sorted ascending: the newest is the widest
        too_wide = len(current) >= _MIN_ROWS_BEFORE_CUT and width > _MAX_WIDTH_GROWTH * lengths[current[0]]
        if current and ((len(current) + 1) * width > batch_tokens or len(current) >= max_batch or too_wide):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids padded to the longest sequence, and the attention mask."""
    width = max(len(seq) for seq in sequences)
    input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        input_ids[row, : len(seq)] = torch.as_tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return input_ids, mask


class Engine:
    """Runs a network over many sentences; returns per-head probabilities."""

    def __init__(self, network: torch.nn.Module, tokenizer, settings: InferenceSettings = InferenceSettings()):
        self.settings = settings
        self.device = resolve_device(settings.device)
        self.bf16 = resolve_bf16(self.device, settings.precision)
        self.batch_tokens = settings.batch_tokens or (CUDA_BATCH_TOKENS if self.device.type == "cuda" else CPU_BATCH_TOKENS)
        self.network = network.to(self.device).eval()
        self.tokenizer = tokenizer

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        return self.tokenizer(list(texts), truncation=True, max_length=self.settings.max_length)["input_ids"]

    def predict_proba(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        return self.predict_proba_ids(self.tokenize(texts))

    def predict_proba_ids(self, ids: Sequence[Sequence[int]]) -> dict[str, np.ndarray]:
        """Probabilities per head, shape (len(ids), n_labels), in input order."""
        out: dict[str, np.ndarray] = {}
        batches = plan_batches([len(x) for x in ids], self.batch_tokens, self.settings.max_batch)
        pending: list[tuple[list[int], dict[str, torch.Tensor]]] = []
        with torch.inference_mode():
            for index, (input_ids, mask) in zip(batches, self._collated(ids, batches)):
                with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
                    logits = self.network(input_ids, mask)
                # Softmax on device; results are fetched after the loop so the GPU
                # never waits on a host sync between batches.
                pending.append((index, {k: torch.softmax(v.float(), dim=-1) for k, v in logits.items()}))
        for index, probs in pending:
            for head, p in probs.items():
                array = p.cpu().numpy()
                if head not in out:
                    out[head] = np.zeros((len(ids), array.shape[1]), dtype=np.float32)
                out[head][index] = array
        if not ids:
            out = {head: np.zeros((0, layer.out_features), dtype=np.float32)
                   for head, layer in self.network.heads.items()}
        return out

    def _collated(self, ids: Sequence[Sequence[int]], batches: list[list[int]]) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Padded tensors per batch, built one batch ahead on a worker thread."""
        pad = self.tokenizer.pad_token_id or 0
        pin = self.device.type == "cuda"

        def collate(index: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
            input_ids, mask = pad_batch([ids[i] for i in index], pad)
            if pin:
                input_ids, mask = input_ids.pin_memory(), mask.pin_memory()
            return input_ids, mask

        ready: queue.Queue = queue.Queue(maxsize=2)
        done = object()

        def produce() -> None:
            try:
                for index in batches:
                    ready.put(collate(index))
            except BaseException as exc:  # surface collation errors in the consumer
                ready.put(exc)
            ready.put(done)

        worker = threading.Thread(target=produce, daemon=True)
        worker.start()
        while True:
            item = ready.get()
            if item is done:
                break
            if isinstance(item, BaseException):
                raise item
            input_ids, mask = item
            yield input_ids.to(self.device, non_blocking=True), mask.to(self.device, non_blocking=True)
        worker.join()
