"""A base's fast tokenizer loaded with the ``tokenizers`` library alone.

``transformers.AutoTokenizer`` costs the import of transformers (seconds on a small
CPU) to wrap the same Rust tokenizer read from the same ``tokenizer.json``. This
wrapper offers the part of its call that argmine uses (``tokenizer(texts, ...)
["input_ids"]``, ``pad_token_id``) and, unlike it, never changes the tokenizer's
truncation or padding state on a call, so threads may share it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer

TOKENIZER_FILE = "tokenizer.json"


class FastTokenizer:
    def __init__(self, tokenizer: Tokenizer, pad_token_id: int):
        self.backend = tokenizer
        self.backend.no_truncation()
        self.backend.no_padding()
        self.pad_token_id = pad_token_id

    @classmethod
    def load(cls, base_dir: Path) -> "FastTokenizer | None":
        """The base's tokenizer, or None where it has no ``tokenizer.json`` (then use transformers)."""
        path = base_dir / TOKENIZER_FILE
        if not path.exists():
            return None
        tokenizer = Tokenizer.from_file(str(path))
        pad = "[PAD]"
        try:
            special = json.loads((base_dir / "special_tokens_map.json").read_text(encoding="utf-8"))
            pad = special.get("pad_token", pad)
            pad = pad["content"] if isinstance(pad, dict) else pad
        except (OSError, json.JSONDecodeError):
            pass
        pad_id = tokenizer.token_to_id(pad)
        return cls(tokenizer, 0 if pad_id is None else pad_id)

    def __call__(self, text: str | Sequence[str], text_pair: str | None = None, add_special_tokens: bool = True,
                 truncation: bool = False, max_length: int | None = None, padding: bool = False,
                 return_tensors: str | None = None) -> dict[str, Any]:
        """``{"input_ids": ids}`` for one text (or text pair), ``{"input_ids": [ids, ...]}`` for a list.

        ``truncation`` cuts the text's own tokens so that the result, special tokens
        included, holds at most ``max_length`` (pairs are never truncated). A list with
        ``padding`` is padded to its longest and gets an ``attention_mask``;
        ``return_tensors="pt"`` makes both torch tensors.
        """
        if isinstance(text, str):
            if text_pair is not None:
                return {"input_ids": self.backend.encode(text, text_pair, add_special_tokens=add_special_tokens).ids}
            return {"input_ids": self._batch([text], add_special_tokens, truncation, max_length)[0]}
        ids = self._batch(list(text), add_special_tokens, truncation, max_length)
        if not padding:
            return {"input_ids": ids}
        width = max((len(x) for x in ids), default=0)
        out = {"input_ids": [x + [self.pad_token_id] * (width - len(x)) for x in ids],
               "attention_mask": [[1] * len(x) + [0] * (width - len(x)) for x in ids]}
        if return_tensors == "pt":
            import torch

            return {k: torch.tensor(v, dtype=torch.long) for k, v in out.items()}
        return out

    def _batch(self, texts: list[str], add_special_tokens: bool, truncation: bool,
               max_length: int | None) -> list[list[int]]:
        # One Rust call over the whole list, run without the GIL.
        encodings = self.backend.encode_batch_fast(texts, add_special_tokens=False)
        cut = truncation and max_length is not None
        if not add_special_tokens:  # the hot path (models.inference.encode)
            return [e.ids[:max_length] for e in encodings] if cut else [e.ids for e in encodings]
        if cut:
            keep = max(0, max_length - self.backend.num_special_tokens_to_add(False))
            for encoding in encodings:
                encoding.truncate(keep)
        return [self.backend.post_process(e, None, True).ids for e in encodings]
