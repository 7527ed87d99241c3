"""The network: a sentence-transformer encoder, pooling over the sentence, three heads.

The input is the sentence as a first text segment and, for models that read
context, its neighbours as a second one; the embedding is the mean over the
sentence's own tokens (``pool_mask``), so the labels stay per sentence while
attention sees the neighbours. Only the top ``trainable_layers`` encoder layers
learn, fully or through low-rank adapters (``lora_rank``); the lower layers stay
the packaged base. A saved model stores only what differs from the base, and
training runs the frozen lower layers once per input and caches their output.
"""

from __future__ import annotations

import torch
from torch import nn

from argmine.models.bert import BertShape, LightBert
from argmine.models.encoder import DEFAULT_BASE, base_model_path
from argmine.models.lora import add_adapters
from argmine.models.scheme import HEADS


class SentenceClassifier(nn.Module):
    def __init__(self, trainable_layers: int = 2, dropout: float = 0.1, heads: dict[str, tuple[str, ...]] = HEADS,
                 base: str = DEFAULT_BASE, lora_rank: int = 0, lora_alpha: float = 32.0, light: bool = False):
        """``light``: a BERT base runs on ``models.bert`` (inference: no transformers import);
        other bases, and training, use transformers' model."""
        super().__init__()
        path = base_model_path(base)
        shape = BertShape.read(path) if light else None
        if shape is not None:
            self.encoder = LightBert.load(path, shape)
        else:
            from transformers import AutoModel

            self.encoder = AutoModel.from_pretrained(str(path), local_files_only=True)
        hidden = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleDict({name: nn.Linear(hidden, len(labels)) for name, labels in heads.items()})
        self.trainable_layers = trainable_layers
        self.lora_rank = lora_rank
        self._freeze(trainable_layers, lora_rank, lora_alpha)

    def _freeze(self, trainable_layers: int, lora_rank: int, lora_alpha: float) -> None:
        for param in self.encoder.parameters():
            param.requires_grad = False
        layers = self.encoder.encoder.layer
        if trainable_layers > len(layers):
            raise ValueError(f"trainable_layers={trainable_layers}, but the encoder has {len(layers)} layers")
        for layer in layers[len(layers) - trainable_layers:]:
            if lora_rank:
                add_adapters(layer, lora_rank, lora_alpha)
                for module in layer.modules():
                    if isinstance(module, nn.LayerNorm):
                        module.requires_grad_(True)
            else:
                layer.requires_grad_(True)

    @property
    def layers(self) -> nn.ModuleList:
        return self.encoder.encoder.layer

    def forward(self, input_ids: torch.Tensor | None, attention_mask: torch.Tensor,
                pool_mask: torch.Tensor | None = None, prefix: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Logits per head, from token ids or from cached ``frozen_prefix`` output.

        Both go through ``forward`` so a DDP-wrapped model (accelerate, torchrun)
        synchronises gradients either way. ``pool_mask`` (default: every real
        token) marks the sentence's own tokens.
        """
        if prefix is not None:
            return self.forward_from_prefix(prefix, attention_mask, pool_mask)
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self._classify(hidden, attention_mask if pool_mask is None else pool_mask)

    def _classify(self, hidden: torch.Tensor, pool_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        pooled = self.dropout(mean_pool(hidden, pool_mask))
        return {name: head(pooled) for name, head in self.heads.items()}

    def embed_and_classify(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                           pool_mask: torch.Tensor | None = None) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """Logits per head and the pooled sentence embedding they were computed from (inference only):
        the link model reads the embedding, so labelling with links needs no second encoder pass."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        pooled = mean_pool(hidden, attention_mask if pool_mask is None else pool_mask)
        dropped = self.dropout(pooled)
        return {name: head(dropped) for name, head in self.heads.items()}, pooled

    # Training runs the frozen lower layers once per input and caches what they
    # output (``frozen_prefix``); each step then runs only the trainable top layers
    # (``forward_from_prefix``). Same function as ``forward``, a fraction of the cost.
    @property
    def n_frozen(self) -> int:
        return len(self.layers) - self.trainable_layers

    def _run_layers(self, hidden: torch.Tensor, attention_mask: torch.Tensor, layers) -> torch.Tensor:
        if isinstance(self.encoder, LightBert):
            mask = LightBert.attention_mask(attention_mask)
        else:
            from transformers.masking_utils import create_bidirectional_mask

            mask = create_bidirectional_mask(config=self.encoder.config, inputs_embeds=hidden,
                                             attention_mask=attention_mask)
        # MPNet adds a relative position bias to every layer; BERT-style encoders do not.
        extra = ()
        if hasattr(self.encoder.encoder, "compute_position_bias"):
            extra = (self.encoder.encoder.compute_position_bias(hidden),)
        for layer in layers:
            out = layer(hidden, mask, *extra)
            hidden = out[0] if isinstance(out, tuple) else out
        return hidden

    @torch.no_grad()
    def frozen_prefix(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder.embeddings(input_ids=input_ids)
        return self._run_layers(hidden, attention_mask, self.layers[: self.n_frozen])

    def forward_from_prefix(self, hidden: torch.Tensor, attention_mask: torch.Tensor,
                            pool_mask: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        hidden = self._run_layers(hidden, attention_mask, self.layers[self.n_frozen:])
        return self._classify(hidden, attention_mask if pool_mask is None else pool_mask)

    def delta_state_dict(self) -> dict[str, torch.Tensor]:
        """The parameters that differ from the base encoder: what a saved model stores."""
        return {name: p.detach().contiguous() for name, p in self.named_parameters() if p.requires_grad}

    def load_delta(self, state: dict[str, torch.Tensor]) -> None:
        expected = set(self.delta_state_dict())
        if set(state) != expected:
            missing, extra = sorted(expected - set(state)), sorted(set(state) - expected)
            raise ValueError(f"weights do not match the architecture: missing {missing[:5]}, unexpected {extra[:5]}")
        self.load_state_dict(state, strict=False)


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over the marked tokens: how sentence-transformers embed a sentence."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
