"""The wheel installs everything under ``argmine.``: a user's own ``models`` or
``service`` package keeps working beside it."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # ~20 s: builds a wheel and a fresh virtual environment
def test_wheel_installs_beside_a_package_called_models(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(wheels), str(ROOT)], check=True)
    (wheel,) = wheels.glob("argmine-*.whl")
    top_level = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {n for n in top_level if not n.endswith(".dist-info")} == {"argmine"}
    assert any(n.startswith("argmine/models/default/") for n in zipfile.ZipFile(wheel).namelist())
    assert "argmine/service/web/static/js/app.js" in zipfile.ZipFile(wheel).namelist()  # the web page ships too
    assert "argmine/service/migrations/versions/0001_baseline.py" in zipfile.ZipFile(wheel).namelist()

    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    user = tmp_path / "user"
    (user / "models").mkdir(parents=True)
    (user / "models" / "__init__.py").write_text("WHO = 'the user'\n")
    (user / "service.py").write_text("WHO = 'the user too'\n")
    probe = ("import models, service; from argmine.models import paths, scheme; "
             "assert models.WHO == 'the user' and service.WHO == 'the user too'; "
             "assert paths.DEFAULT_MODEL_DIR.joinpath('config.json').exists(); print(scheme.HEADS['role'])")
    out = subprocess.run([str(python), "-c", probe], cwd=user, check=True, capture_output=True, text=True)
    assert "claim" in out.stdout
