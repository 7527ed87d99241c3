"""Output writers, chosen by extension, and the readers of what they wrote.

Every writer takes whole chunks of sentence records and commits each chunk
atomically, so an interrupted run leaves only complete chunks (see resume.py):

- ``.jsonl`` and ``.csv``: one file, appended chunk by chunk through an
  ``AppendLog``, which cuts an uncommitted tail off when the run is resumed.
- ``.parquet``: a Parquet file cannot be appended to, and one killed before its
  footer is unreadable, so the output is a *directory* ``OUT.parquet/`` of part
  files ``part-00000000.parquet``, one per chunk, each written to a temporary name
  and renamed into place. pyarrow, pandas, DuckDB and Spark read the directory as
  one table.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from argmine.batch import commitlog
from argmine.batch.errors import BatchError, OutputWriteError, ResumeError
from argmine.batch.readers import CSV_FIELD_LIMIT
from argmine.batch.schema import COLUMNS, LEGACY_COLUMNS, arrow_schema, csv_row, flatten, has_links, unflatten

OutputFormat = Literal["jsonl", "csv", "parquet"]
Record = Mapping[str, Any]
_PART = re.compile(r"part-(\d{8})\.parquet")
_PARQUET_READ_ROWS = 4096


class ChunkWriter(Protocol):
    path: Path

    def write_chunk(self, records: Sequence[Record]) -> None:
        """Commit all of ``records`` or none of them."""

    def finish(self) -> None:
        """Mark a clean end of the run; the writer is closed afterwards."""

    def close(self) -> None:
        """Release the file without marking a clean end (after an error)."""


def output_format(path: Path) -> OutputFormat:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".parquet"):
        return suffix[1:]  # type: ignore[return-value]
    raise BatchError(f"cannot tell the output format of {path} from its extension; use .jsonl, .csv or .parquet")


def jsonl_line(record: Record) -> str:
    return json.dumps(record, ensure_ascii=False, default=str) + "\n"


class JsonlWriter:
    def __init__(self, path: Path, append: bool):
        self.path = path
        self._log = commitlog.AppendLog.open_append(path) if append else commitlog.AppendLog.create(path)

    def write_chunk(self, records: Sequence[Record]) -> None:
        if records:
            self._log.append("".join(jsonl_line(r) for r in records).encode("utf-8"))

    def finish(self) -> None:
        self._log.finish()

    def close(self) -> None:
        self._log.close()


def _csv_text(rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _check_legacy(path: Path, columns: tuple[str, ...], records: Sequence[Record]) -> None:
    """An output written before the link columns existed takes no records with links."""
    if columns == LEGACY_COLUMNS and has_links(records):
        raise ResumeError(f"{path} was written without the link columns (target, relation, link_probability) and "
                          "this model has a link model: start over with --force, or label into another output")


class CsvWriter:
    def __init__(self, path: Path, append: bool):
        self.path = path
        self._columns = COLUMNS
        if append:
            header = read_csv_header(path)
            if header is not None and header not in (list(COLUMNS), list(LEGACY_COLUMNS)):
                raise ResumeError(f"{path} has other columns than this argmine writes; start over with --force")
            if header == list(LEGACY_COLUMNS):  # written before links: continued in its own columns
                self._columns = LEGACY_COLUMNS
            self._log = commitlog.AppendLog.open_append(path)
            if header is None:
                self._log.append(_csv_text([COLUMNS]))
        else:
            self._log = commitlog.AppendLog.create(path, _csv_text([COLUMNS]))

    def write_chunk(self, records: Sequence[Record]) -> None:
        if records:
            _check_legacy(self.path, self._columns, records)
            self._log.append(_csv_text([csv_row(r, self._columns) for r in records]))

    def finish(self) -> None:
        self._log.finish()

    def close(self) -> None:
        self._log.close()


class ParquetDirWriter:
    def __init__(self, path: Path, append: bool, unit: str = "document"):
        import pyarrow.parquet as pq

        self._pq = pq
        self._columns = COLUMNS
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        for leftover in path.glob(".part-*.tmp"):
            leftover.unlink()  # a chunk that was being written when the run died
        numbers = [int(m.group(1)) for p in path.iterdir() if (m := _PART.fullmatch(p.name))]
        self._next = max(numbers) + 1 if append and numbers else 0
        self._schema = arrow_schema(self._columns, unit)
        if append and numbers:  # new parts keep the schema of the old ones, so all read as one table
            existing = pq.read_schema(path / f"part-{max(numbers):08d}.parquet")
            if existing.names == list(LEGACY_COLUMNS):  # written before links
                self._columns = LEGACY_COLUMNS
                self._schema = arrow_schema(self._columns, unit)
            elif existing.names == list(COLUMNS):  # e.g. a target column of text written before it was typed
                self._schema = existing.remove_metadata()

    def write_chunk(self, records: Sequence[Record]) -> None:
        if not records:
            return
        import pyarrow as pa

        _check_legacy(self.path, self._columns, records)
        rows = [{c: row[c] for c in self._columns} for row in map(flatten, records)]
        table = pa.Table.from_pylist(rows, schema=self._schema)
        name = f"part-{self._next:08d}.parquet"
        tmp = self.path / f".{name}.tmp"
        try:
            self._pq.write_table(table, tmp)
            with open(tmp, "rb") as stream:
                os.fsync(stream.fileno())
            os.replace(tmp, self.path / name)
        finally:
            tmp.unlink(missing_ok=True)
        self._next += 1

    def finish(self) -> None:
        pass

    def close(self) -> None:
        pass


class _Guarded:
    """A writer whose I/O failures (ENOSPC, EIO, EDQUOT...) become ``OutputWriteError``.

    The chunk that failed was not committed (each writer's contract), so the message
    can promise what ``--resume`` will do.
    """

    def __init__(self, writer: ChunkWriter):
        self.writer = writer
        self.path = writer.path

    def _failed(self, exc: OSError) -> OutputWriteError:
        return OutputWriteError(f"writing {self.path} failed: {exc.strerror or exc}"
                                f"{f' ({exc.filename})' if exc.filename else ''}. Every chunk before this one is "
                                f"committed; free space (or fix the cause), then rerun with --resume to finish")

    def write_chunk(self, records: Sequence[Record]) -> None:
        try:
            self.writer.write_chunk(records)
        except OSError as exc:
            raise self._failed(exc) from exc

    def finish(self) -> None:
        try:
            self.writer.finish()
        except OSError as exc:
            raise self._failed(exc) from exc

    def close(self) -> None:
        self.writer.close()


def open_writer(path: Path, append: bool, unit: str = "document") -> ChunkWriter:
    """A writer for ``path``; ``append`` continues committed output, else it starts empty. ``unit`` types
    Parquet's ``target`` column (a ``sent_id`` in document mode, a record id in sentence mode)."""
    fmt = output_format(path)
    if fmt == "jsonl":
        return _Guarded(JsonlWriter(path, append))
    if fmt == "csv":
        return _Guarded(CsvWriter(path, append))
    return _Guarded(ParquetDirWriter(path, append, unit))


# ---- what exists and what was committed --------------------------------------------

def part_files(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if _PART.fullmatch(p.name)) if path.is_dir() else []


def output_exists(path: Path) -> bool:
    if output_format(path) == "parquet":
        return path.exists() and (not path.is_dir() or any(path.iterdir()))
    return path.exists() or commitlog.progress_path(path).exists()


def remove_output(path: Path) -> None:
    """Delete an output for ``--force``, refusing to delete what argmine did not write."""
    if output_format(path) != "parquet":
        commitlog.remove(path)
        return
    if not path.is_dir():
        raise BatchError(f"{path} exists and is not a directory of Parquet parts; remove it yourself")
    foreign = [p.name for p in path.iterdir() if not (_PART.fullmatch(p.name) or p.name.endswith(".tmp"))]
    if foreign:
        raise BatchError(f"{path} holds files argmine did not write ({', '.join(sorted(foreign)[:3])}); "
                         "not deleting it: remove it yourself or choose another output")
    shutil.rmtree(path)


def read_csv_header(path: Path) -> list[str] | None:
    with open(path, newline="", encoding="utf-8") as stream:
        return next(csv.reader(stream), None)


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The committed records of an output, in the nested JSONL shape, in written order."""
    fmt = output_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        for part in part_files(path):
            for batch in pq.ParquetFile(part).iter_batches(batch_size=_PARQUET_READ_ROWS):
                yield from (unflatten(row, typed=True) for row in batch.to_pylist())
        return
    committed = commitlog.committed_length(path)
    with open(path, "rb") as raw:
        data = io.BufferedReader(_Limited(raw, committed))
        if fmt == "jsonl":
            for number, line in enumerate(data, 1):
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ResumeError(f"{path}:line {number} is not a JSON record ({exc.msg}); "
                                      "start over with --force") from exc
        else:
            # A sentence can exceed csv's default 128 KiB field limit; this is our own output.
            csv.field_size_limit(CSV_FIELD_LIMIT)
            reader = csv.DictReader(io.TextIOWrapper(data, encoding="utf-8", newline=""))
            yield from (unflatten(row) for row in reader)


class _Limited(io.RawIOBase):
    """The first ``limit`` bytes of a stream: what lies past the commit is not output."""

    def __init__(self, raw: io.BufferedIOBase, limit: int):
        self._raw, self._left = raw, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        size = min(len(buffer), self._left)
        if size <= 0:
            return 0
        data = self._raw.read(size)
        buffer[: len(data)] = data
        self._left -= len(data)
        return len(data)
