"""A file that grows by whole chunks, with its committed length kept beside it.

A single JSONL or CSV file cannot be appended atomically: a kill or a power cut
in the middle of a write leaves part of a chunk, maybe half a line. So every
chunk is written, flushed and fsynced, and only then is its end recorded in
``<file>.progress`` (replaced atomically). Whatever lies past that length was
never committed; ``open_append`` cuts it off before writing on. A clean finish
removes the progress file, leaving a file that ends on a whole chunk.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import BinaryIO

from argmine.batch.errors import ResumeError

_FORMAT = 1


def progress_path(path: Path) -> Path:
    return path.with_name(path.name + ".progress")


def _fsync_dir(path: Path) -> None:
    # The rename of the progress file is durable only once its directory is synced.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform; the rename itself is still atomic
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AppendLog:
    """``path`` opened for appending whole chunks; ``append`` is all-or-nothing."""

    def __init__(self, path: Path, stream: BinaryIO, committed: int):
        self.path = path
        self.committed = committed
        self._stream = stream

    @classmethod
    def create(cls, path: Path, header: bytes = b"") -> AppendLog:
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = open(path, "w+b")
        log = cls(path, stream, 0)
        log.append(header)
        return log

    @classmethod
    def open_append(cls, path: Path) -> AppendLog:
        """Reopen after a run that ended, cleanly or not, cutting off an uncommitted tail."""
        committed = committed_length(path)
        stream = open(path, "r+b")
        stream.truncate(committed)
        log = cls(path, stream, committed)
        log._record()
        return log

    def append(self, data: bytes) -> None:
        try:
            self._stream.seek(self.committed)
            self._stream.write(data)
            self._stream.flush()
            os.fsync(self._stream.fileno())
        except BaseException:
            # Ctrl-C or a full disk mid-write: leave the file as it was committed.
            self._stream.truncate(self.committed)
            raise
        self.committed += len(data)
        self._record()

    def _record(self) -> None:
        target = progress_path(self.path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps({"format": _FORMAT, "committed_bytes": self.committed}), encoding="utf-8")
        os.replace(tmp, target)
        _fsync_dir(target.parent)

    def finish(self) -> None:
        """A clean end: nothing past ``committed`` can exist, so the progress file goes."""
        self.close()
        progress_path(self.path).unlink(missing_ok=True)

    def close(self) -> None:
        if not self._stream.closed:
            self._stream.close()


def committed_length(path: Path) -> int:
    """The length of ``path`` that a run committed; the whole file after a clean finish."""
    progress = progress_path(path)
    if not path.exists():
        raise ResumeError(f"{progress} exists but {path} does not; start over with --force")
    size = path.stat().st_size
    if not progress.exists():
        return size
    try:
        state = json.loads(progress.read_text(encoding="utf-8"))
        committed = int(state["committed_bytes"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ResumeError(f"{progress} is damaged ({exc}); start over with --force") from exc
    if state.get("format") != _FORMAT:
        raise ResumeError(f"{progress} has format {state.get('format')!r}, this argmine writes {_FORMAT}; "
                          "start over with --force")
    if committed > size:
        raise ResumeError(f"{path} is shorter ({size} bytes) than its committed length ({committed}); "
                          "it was changed outside argmine; start over with --force")
    return committed


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    progress_path(path).unlink(missing_ok=True)
