"""Batched inference, the hot path.

Each input is a sentence, alone or with its neighbours as a second text segment
(``models.context``); it is encoded once as token ids plus the length of the
prefix that holds the sentence itself (what the embedding is pooled over). Inputs are sorted by length and cut into batches by a padded-token
budget, so a batch of short sentences is wide and a batch of long ones narrow and
no compute goes to padding. The forward runs under ``inference_mode`` and, where
the hardware computes bf16 natively (AMX / AVX512-BF16 CPUs, CUDA), under bf16
autocast. The next batch is collated on a background thread while the current one
runs. Results come back in input order.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from argmine.models.context import SentenceInput, text_of

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
    # Neighbours read on each side (0: every sentence alone); set from the model's config.
    context_window: int = 0
    # Softmax temperature per head, fitted on held-out folds; 1.0 leaves logits as they are.
    temperatures: Mapping[str, float] = field(default_factory=dict)


# One encoded input: token ids, and how many leading tokens are the sentence itself
# (special tokens included) - the span the embedding is pooled over.
Encoded = tuple[list[int], int]


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


def prefix_mask(pool_lengths: Sequence[int], width: int) -> torch.Tensor:
    """1 over the first ``pool_lengths[row]`` tokens of each row: the sentence's own."""
    return (torch.arange(width).unsqueeze(0) < torch.as_tensor(pool_lengths).unsqueeze(1)).long()


@dataclass(frozen=True)
class Template:
    """Where a tokenizer puts its special tokens around one text or a pair of texts."""

    first: tuple[int, ...]  # before the sentence
    middle: tuple[int, ...]  # between the sentence and its context
    last: tuple[int, ...]  # after the context
    single_last: tuple[int, ...]  # after a sentence read alone

    @classmethod
    def of(cls, tokenizer) -> "Template":
        a = tokenizer("a", add_special_tokens=False)["input_ids"]
        b = tokenizer("b", add_special_tokens=False)["input_ids"]
        pair = tokenizer("a", "b")["input_ids"]
        single = tokenizer("a")["input_ids"]
        i = _find(pair, a)
        j = _find(pair, b, i + len(a))
        k = _find(single, a)
        return cls(tuple(pair[:i]), tuple(pair[i + len(a):j]), tuple(pair[j + len(b):]), tuple(single[k + len(a):]))

    def single(self, sentence: list[int]) -> list[int]:
        return [*self.first, *sentence, *self.single_last]

    def pair(self, sentence: list[int], context: list[int]) -> list[int]:
        return [*self.first, *sentence, *self.middle, *context, *self.last]


def _find(sequence: list[int], part: list[int], start: int = 0) -> int:
    for i in range(start, len(sequence) - len(part) + 1):
        if sequence[i:i + len(part)] == part:
            return i
    raise ValueError("the tokenizer's special-token template could not be read")


_TEMPLATES: "weakref.WeakKeyDictionary[Any, Template]" = weakref.WeakKeyDictionary()


def template(tokenizer) -> Template:
    if tokenizer not in _TEMPLATES:
        _TEMPLATES[tokenizer] = Template.of(tokenizer)
    return _TEMPLATES[tokenizer]


def encode(tokenizer, items: Sequence[SentenceInput], max_length: int, window: int) -> list[Encoded]:
    """Token ids of each input and the length of its sentence part.

    Alone (``window`` 0, a plain string, or no neighbours): ``[CLS] sentence [SEP]``
    pooled over every token, exactly as a sentence-transformer embeds it. In context:
    ``[CLS] sentence [SEP] before after [SEP]``; the sentence keeps up to
    ``max_length`` minus the special tokens, the neighbours share what is left,
    nearest tokens first.
    """
    if not items:
        return []
    texts = [text_of(item) for item in items]
    shape = template(tokenizer)
    single = len(shape.first) + len(shape.single_last)
    sentences = tokenizer(texts, add_special_tokens=False, truncation=True,
                          max_length=max_length - single)["input_ids"]
    parts = [item.parts(window) if window > 0 and not isinstance(item, str) else ("", "") for item in items]
    with_context = [i for i, (b, a) in enumerate(parts) if b or a]
    out: list[Encoded] = []
    for ids in sentences:
        full = shape.single(ids)
        out.append((full, len(full)))
    if not with_context:
        return out
    pair = len(shape.first) + len(shape.middle) + len(shape.last)
    befores = tokenizer([parts[i][0] for i in with_context], add_special_tokens=False)["input_ids"]
    afters = tokenizer([parts[i][1] for i in with_context], add_special_tokens=False)["input_ids"]
    for i, before, after in zip(with_context, befores, afters):
        sentence = sentences[i][: max_length - pair]
        budget = max(0, max_length - pair - len(sentence))
        keep_after = min(len(after), max(budget // 2, budget - len(before)))
        keep_before = min(len(before), budget - keep_after)
        context = (before[len(before) - keep_before:] if keep_before else []) + after[:keep_after]
        if not context:
            continue
        # Pooled over the sentence and the separator after it, as when read alone.
        out[i] = (shape.pair(sentence, context), len(shape.first) + len(sentence) + len(shape.single_last))
    return out


class Engine:
    """Runs a network over many sentences; returns per-head probabilities."""

    def __init__(self, network: torch.nn.Module, tokenizer, settings: InferenceSettings = InferenceSettings()):
        self.settings = settings
        self.device = resolve_device(settings.device)
        self.bf16 = resolve_bf16(self.device, settings.precision)
        self.batch_tokens = settings.batch_tokens or (CUDA_BATCH_TOKENS if self.device.type == "cuda" else CPU_BATCH_TOKENS)
        self.network = network.to(self.device).eval()
        self.tokenizer = tokenizer

    def encode(self, items: Sequence[SentenceInput]) -> list[Encoded]:
        return encode(self.tokenizer, items, self.settings.max_length, self.settings.context_window)

    def predict_proba(self, items: Sequence[SentenceInput]) -> dict[str, np.ndarray]:
        return self.predict_proba_encoded(self.encode(items))

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of sentences read alone (the benchmarks time tokenisation apart)."""
        return [ids for ids, _ in encode(self.tokenizer, texts, self.settings.max_length, 0)]

    def predict_proba_ids(self, ids: Sequence[Sequence[int]]) -> dict[str, np.ndarray]:
        """Probabilities for sentences already tokenized alone, pooled over every token."""
        return self.predict_proba_encoded([(list(x), len(x)) for x in ids])

    def predict_proba_encoded(self, encoded: Sequence[Encoded]) -> dict[str, np.ndarray]:
        """Probabilities per head, shape (len(encoded), n_labels), in input order."""
        return self.run(encoded, vectors=False)[0]

    def predict_with_vectors(self, items: Sequence[SentenceInput]) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Probabilities per head and each sentence's pooled embedding (L2-normalised), from one forward."""
        probs, vectors = self.run(self.encode(items), vectors=True)
        assert vectors is not None
        return probs, vectors

    def run(self, encoded: Sequence[Encoded], vectors: bool) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        """The forward over every input: probabilities per head, and with ``vectors`` the pooled embeddings."""
        ids = [x for x, _ in encoded]
        out: dict[str, np.ndarray] = {}
        batches = plan_batches([len(x) for x in ids], self.batch_tokens, self.settings.max_batch)
        pending: list[tuple[list[int], dict[str, torch.Tensor], torch.Tensor | None]] = []
        temperatures = self.settings.temperatures
        with torch.inference_mode():
            for index, (input_ids, mask, pool) in zip(batches, self._collated(encoded, batches)):
                pooled = None
                with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
                    if vectors:
                        logits, pooled = self.network.embed_and_classify(input_ids, mask, pool)
                    else:
                        logits = self.network(input_ids, mask, pool)
                if pooled is not None:
                    pooled = torch.nn.functional.normalize(pooled.float(), dim=-1)
                # Softmax on device; results are fetched after the loop so the GPU
                # never waits on a host sync between batches.
                pending.append((index, {k: torch.softmax(v.float() / temperatures.get(k, 1.0), dim=-1)
                                        for k, v in logits.items()}, pooled))
        embeddings = None
        if vectors:
            dim = self.network.encoder.config.hidden_size
            embeddings = np.zeros((len(ids), dim), dtype=np.float32)
        for index, probs, pooled in pending:
            for head, p in probs.items():
                array = p.cpu().numpy()
                if head not in out:
                    out[head] = np.zeros((len(ids), array.shape[1]), dtype=np.float32)
                out[head][index] = array
            if embeddings is not None and pooled is not None:
                embeddings[index] = pooled.cpu().numpy()
        if not ids:
            out = {head: np.zeros((0, layer.out_features), dtype=np.float32)
                   for head, layer in self.network.heads.items()}
        return out, embeddings

    def _collated(self, encoded: Sequence[Encoded], batches: list[list[int]]
                  ) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Padded tensors per batch, built one batch ahead on a worker thread."""
        pad = self.tokenizer.pad_token_id or 0
        pin = self.device.type == "cuda"

        def collate(index: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            input_ids, mask = pad_batch([encoded[i][0] for i in index], pad)
            pool = prefix_mask([encoded[i][1] for i in index], input_ids.shape[1])
            tensors = (input_ids, mask, pool)
            return tuple(t.pin_memory() for t in tensors) if pin else tensors

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
            yield tuple(t.to(self.device, non_blocking=True) for t in item)
        worker.join()
