"""Deciding what to do with an existing output: refuse, overwrite, or continue it.

A document is complete in an output when its records lie in a committed chunk:
writers commit whole chunks of whole documents, so every ``doc_id`` found in the
committed part of the output is complete, and ``--resume`` skips exactly those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from argmine.batch.errors import BatchError, OutputExistsError, ResumeError
from argmine.batch.writers import ChunkWriter, open_writer, output_exists, read_records, remove_output


@dataclass
class OutputState:
    writer: ChunkWriter
    # Documents complete in the output before this run; --resume skips them.
    done: set[str] = field(default_factory=set)


def completed_ids(path: Path, model_version: str | None = None) -> set[str]:
    """``doc_id``s complete in an output; refuses an output labelled by another model."""
    done: set[str] = set()
    for record in read_records(path):
        if model_version is not None and record["model_version"] != model_version:
            raise ResumeError(f"{path} was labelled by model {record['model_version']!r}, not "
                              f"{model_version!r}; resuming would mix two models' labels: "
                              "use the same --model, another output, or --force")
        done.add(record["doc_id"])
    return done


def prepare_output(path: Path, model_version: str, resume: bool = False, force: bool = False,
                   unit: str = "document") -> OutputState:
    """Open ``path`` for writing after checking what is there already."""
    if resume and force:
        raise BatchError("--resume continues an output and --force replaces it: give one of them")
    if not output_exists(path):
        return OutputState(open_writer(path, append=False, unit=unit))
    if force:
        remove_output(path)
        return OutputState(open_writer(path, append=False, unit=unit))
    if not resume:
        raise OutputExistsError(f"{path} exists: pass --resume to label only the documents it lacks, "
                                "or --force to replace it")
    # Open first: reopening cuts an uncommitted tail off, so what is read back is committed.
    writer = open_writer(path, append=True, unit=unit)
    try:
        return OutputState(writer, completed_ids(path, model_version))
    except BaseException:
        writer.close()
        raise
