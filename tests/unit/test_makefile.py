"""The Makefile's set-up on a machine whose Python may not ``pip install`` (Debian 12's own)."""

from __future__ import annotations

import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_gets_uv_in_a_venv_of_its_own_when_python_has_none(tmp_path: Path) -> None:
    """``make demo`` ran ``$(PYTHON) -m pip install uv`` first: Debian 12's python3 refuses it
    (externally managed, PEP 668), so on a fresh Debian it stopped at its first line. Now a Python
    without uv gets uv in ``.venv-uv`` and is never installed into (dry run: nothing is executed)."""
    venv.create(tmp_path / "py", with_pip=False)  # a Python without uv, as a fresh machine's
    python = tmp_path / "py" / "bin" / "python"
    plan = subprocess.run(["make", "-n", "-B", "-C", str(ROOT), f"PYTHON={python}", ".venv/.installed"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert f"{python} -m pip install" not in plan
    assert f"{python} -m venv .venv-uv && .venv-uv/bin/pip install --quiet uv" in plan
    assert ".venv-uv/bin/uv pip install --quiet --python .venv/bin/python -r requirements.lock" in plan
