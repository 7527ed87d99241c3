"""Typed errors of batch labelling; the CLI turns them into messages and exit codes."""

from __future__ import annotations


class BatchError(Exception):
    """Base class: something the user can fix (an input, an option, an existing output)."""


class InputError(BatchError):
    """An input cannot be read at all (missing file, unknown format, missing column)."""


class OutputExistsError(BatchError):
    """The output exists and neither ``--resume`` nor ``--force`` was given."""


class ResumeError(BatchError):
    """An existing output cannot be continued (other model, other format, damaged)."""


class BadRecordError(BatchError):
    """A bad record under ``--on-error fail``."""


class ModelNotFoundError(BatchError):
    """``--model`` names neither a model directory nor a known version."""


class OutputWriteError(BatchError):
    """Writing the output failed (a full disk, say); every chunk before it stays committed."""
