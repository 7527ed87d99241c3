"""A BERT encoder for inference that needs torch and safetensors only, not transformers.

Importing ``transformers``' BERT also imports ``torch._dynamo`` (through its masking
utilities), sympy and the library's lazy module tables: about 3 s of a 4.8 s start of
``argmine label`` on the 2-core development machine, before any sentence is read.
Inference needs none of it: this module is the same network (embeddings, post-norm
layers, exact GELU, scaled-dot-product attention) with the same parameter names as
``transformers.BertModel``, so a model trained with transformers loads into it
unchanged and gives the same outputs (``tests/models/test_bert.py`` holds them equal).
Training keeps transformers' model; only BERT-type bases (MiniLM) load here, others
(MPNet's relative position bias) fall back to transformers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

WEIGHTS_FILE = "model.safetensors"


@dataclass(frozen=True)
class BertShape:
    """The parts of a base's ``config.json`` the network is built from."""

    hidden_size: int
    num_attention_heads: int
    num_hidden_layers: int
    intermediate_size: int
    vocab_size: int
    max_position_embeddings: int
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    pad_token_id: int = 0

    @classmethod
    def read(cls, base_dir: Path) -> "BertShape | None":
        """The shape of a BERT base this module can run; None for any other kind of base."""
        try:
            config = json.loads((base_dir / "config.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        if (config.get("model_type") != "bert" or config.get("hidden_act", "gelu") != "gelu"
                or config.get("position_embedding_type", "absolute") != "absolute"
                or not (base_dir / WEIGHTS_FILE).exists()):
            return None
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in config.items() if k in names})


class _Linear(nn.Linear):
    """Left uninitialised: every weight is loaded from the base right after it is built."""

    def reset_parameters(self) -> None:
        pass


class _Embedding(nn.Embedding):
    def reset_parameters(self) -> None:
        pass


class Output(NamedTuple):
    last_hidden_state: torch.Tensor


class Embeddings(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        self.word_embeddings = _Embedding(shape.vocab_size, shape.hidden_size, padding_idx=shape.pad_token_id)
        self.position_embeddings = _Embedding(shape.max_position_embeddings, shape.hidden_size)
        self.token_type_embeddings = _Embedding(shape.type_vocab_size, shape.hidden_size)
        self.LayerNorm = nn.LayerNorm(shape.hidden_size, eps=shape.layer_norm_eps)
        self.dropout = nn.Dropout(shape.hidden_dropout_prob)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        # argmine never passes token types: every token is type 0, as transformers defaults it.
        # Added in transformers' order (words, types, positions): the same sums to the last bit.
        hidden = self.word_embeddings(input_ids) + self.token_type_embeddings.weight[0]
        hidden = hidden + self.position_embeddings.weight[: input_ids.shape[1]].unsqueeze(0)
        return self.dropout(self.LayerNorm(hidden))


class SelfAttention(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        self.heads = shape.num_attention_heads
        self.query = _Linear(shape.hidden_size, shape.hidden_size)
        self.key = _Linear(shape.hidden_size, shape.hidden_size)
        self.value = _Linear(shape.hidden_size, shape.hidden_size)
        self.dropout_p = shape.attention_probs_dropout_prob

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        batch, width, size = hidden.shape

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(batch, width, self.heads, size // self.heads).transpose(1, 2)

        out = F.scaled_dot_product_attention(split(self.query(hidden)), split(self.key(hidden)),
                                             split(self.value(hidden)), attn_mask=mask,
                                             dropout_p=self.dropout_p if self.training else 0.0)
        return out.transpose(1, 2).reshape(batch, width, size)


class SelfOutput(nn.Module):
    def __init__(self, shape: BertShape, inner: int):
        super().__init__()
        self.dense = _Linear(inner, shape.hidden_size)
        self.LayerNorm = nn.LayerNorm(shape.hidden_size, eps=shape.layer_norm_eps)
        self.dropout = nn.Dropout(shape.hidden_dropout_prob)

    def forward(self, hidden: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(hidden)) + residual)


class Attention(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        self.self = SelfAttention(shape)  # the names transformers gives them, so weights load as saved
        self.output = SelfOutput(shape, shape.hidden_size)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return self.output(self.self(hidden, mask), hidden)


class Intermediate(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        self.dense = _Linear(shape.hidden_size, shape.intermediate_size)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(hidden))


class Layer(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        self.attention = Attention(shape)
        self.intermediate = Intermediate(shape)
        self.output = SelfOutput(shape, shape.intermediate_size)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None, *_: Any) -> torch.Tensor:
        attended = self.attention(hidden, mask)
        return self.output(self.intermediate(attended), attended)


class Stack(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        self.layer = nn.ModuleList(Layer(shape) for _ in range(shape.num_hidden_layers))


class LightBert(nn.Module):
    """``transformers.BertModel`` without its pooler, for inference: same names, same outputs."""

    def __init__(self, shape: BertShape):
        super().__init__()
        self.config = shape
        self.embeddings = Embeddings(shape)
        self.encoder = Stack(shape)

    @staticmethod
    def attention_mask(attention_mask: torch.Tensor) -> torch.Tensor | None:
        """Where each query may look (a boolean mask over keys); None when nothing is padding."""
        if bool(attention_mask.all()):
            return None
        return attention_mask.bool()[:, None, None, :]

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> Output:
        hidden = self.embeddings(input_ids)
        mask = self.attention_mask(attention_mask)
        for layer in self.encoder.layer:
            hidden = layer(hidden, mask)
        return Output(hidden)

    @classmethod
    def load(cls, base_dir: Path, shape: BertShape) -> "LightBert":
        """Built without initialising weights, then given the base's tensors (its pooler is left out)."""
        from safetensors.torch import load_file

        model = cls(shape)
        state = {k: v for k, v in load_file(str(base_dir / WEIGHTS_FILE)).items()
                 if not k.startswith("pooler.") and k != "embeddings.position_ids"}
        missing, unexpected = model.load_state_dict(state, strict=False, assign=True)
        if missing or unexpected:
            raise ValueError(f"{base_dir / WEIGHTS_FILE} does not hold a BERT encoder of this shape: "
                             f"missing {missing[:5]}, unexpected {unexpected[:5]}")
        # Loaded, the layers become plain torch layers again: code that maps layers by their
        # exact type (torch.ao.quantization.quantize_dynamic, exporters) must see nn.Linear.
        for module in model.modules():
            if type(module) is _Linear:
                module.__class__ = nn.Linear
            elif type(module) is _Embedding:
                module.__class__ = nn.Embedding
        return model
