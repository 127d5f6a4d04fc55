"""What a built wheel holds: every file the package reads at run time."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "synthpipe"
PYPROJECT = PACKAGE.parent / "pyproject.toml"


def test_every_data_file_the_package_reads_is_package_data() -> None:
    """``synthpipe/demo/session_rollups__by_user.sql`` was in no package-data pattern, so a wheel
    (``pip install synthpipe``) left it out and ``synthpipe demo`` found no query; an editable
    install (``make demo``) hid it. READMEs are for readers of the repository, not run time."""
    patterns = tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]["package-data"]["synthpipe"]
    data_files = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and path.name != "README.md"
    ]
    assert data_files, "no data files found: the walk is wrong"
    missing = [file for file in data_files if not any(fnmatch.fnmatch(file, p) for p in patterns)]
    assert missing == []
