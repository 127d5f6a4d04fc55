"""The repository's docs stand on their own: what they cite is in the repository."""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.targets import TARGETS

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(r"shared/\w+\.md|BENCHMARKS\.md")


def test_no_doc_or_module_cites_a_file_outside_the_repository() -> None:
    """benchmarks/README.md and the report's README sent readers to shared/BENCHMARKS.md, a file of
    the machine they were written on, for the benchmark's protocol, datasets, judges and targets.
    (Committed results keep the wording they were written with.)"""
    files = [*ROOT.glob("*.md"), *ROOT.glob("synthpipe/**/*.md"), *ROOT.glob("synthpipe/**/*.py"),
             *ROOT.glob("benchmarks/*.md"), *ROOT.glob("benchmarks/*.py"), *ROOT.glob("examples/**/*.py")]  # fmt: skip
    citing = [str(f.relative_to(ROOT)) for f in files if OUTSIDE.search(f.read_text(encoding="utf-8"))]
    assert citing == []


def test_the_protocol_lists_every_target_the_benchmark_checks() -> None:
    protocol = (ROOT / "benchmarks" / "PROTOCOL.md").read_text(encoding="utf-8")
    assert [t.text for t in TARGETS if f"- {t.text}\n" not in protocol] == []
