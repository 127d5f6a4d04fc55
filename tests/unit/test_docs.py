"""The repository's docs stand on their own: what they cite is in the repository."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.targets import TARGETS

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(r"shared/\w+\.md|BENCHMARKS\.md")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)|^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
"""A Markdown link's target: inline ``[text](target "title")`` (images too) or a reference ``[id]: target``."""
NAMED_DOC = re.compile(r"(?<![\w<>/.~-])((?:\.{0,2}/|~/)?(?:[\w.-]+/)*\w[\w.-]*\.md)\b")
"""A Markdown file a doc names in its text (``PROTOCOL.md``, `` `shared/BENCHMARKS.md` ``, ``/work/x.md``);
not ``<date>-sweep.md``, a pattern of names."""
URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|#)", re.IGNORECASE)
"""A link with a scheme (``https:``, ``mailto:``) or a page anchor: not a file of a clone. ``file:`` is one too,
and is refused below."""
RESULTS = ROOT / "benchmarks" / "results"
"""Committed results keep the wording they were written with."""


def repo_docs(root: Path = ROOT) -> Iterator[Path]:
    """Every Markdown file of the repository: hidden folders (``.venv``, ``.git``) and results left out."""
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".") and Path(folder, name) != RESULTS]
        yield from (Path(folder, name) for name in files if name.endswith(".md"))


def outside_targets(doc: Path, root: Path = ROOT) -> list[str]:
    """The files ``doc`` links to or names that a clone of the repository does not hold.

    A link resolves against the doc's folder, as a Markdown viewer resolves it; a named file against the
    doc's folder or the repository's root (``benchmarks/targets.py`` is written from the root)."""
    text = doc.read_text(encoding="utf-8")
    links = [a or b for a, b in LINK.findall(text)]
    named = NAMED_DOC.findall(LINK.sub("", text))
    missing = [target for target in links if not _in_repo(target, [doc.parent], root)]
    return missing + [target for target in named if not _in_repo(target, [doc.parent, root], root)]


def _in_repo(target: str, bases: list[Path], root: Path) -> bool:
    if target.lower().startswith("file:"):
        return False  # a path of the machine the doc was written on
    if URL.match(target):
        return True
    path = target.split("#")[0]
    if path.startswith(("/", "~")):
        return False
    return any(_inside(base / path, root) for base in bases)


def _inside(path: Path, root: Path) -> bool:
    resolved = path.resolve()
    return resolved.is_relative_to(root.resolve()) and resolved.exists()


def test_no_doc_or_module_cites_a_file_outside_the_repository() -> None:
    """benchmarks/README.md and the report's README sent readers to shared/BENCHMARKS.md, a file of
    the machine they were written on, for the benchmark's protocol, datasets, judges and targets."""
    files = [*ROOT.glob("*.md"), *ROOT.glob("synthpipe/**/*.md"), *ROOT.glob("synthpipe/**/*.py"),
             *ROOT.glob("benchmarks/*.md"), *ROOT.glob("benchmarks/*.py"), *ROOT.glob("examples/**/*.py")]  # fmt: skip
    citing = [str(f.relative_to(ROOT)) for f in files if OUTSIDE.search(f.read_text(encoding="utf-8"))]
    assert citing == []


def test_every_file_a_doc_links_to_or_names_is_in_the_repository() -> None:
    """Why beyond the names above: any link or named file that a clone lacks (``/work/shared/DESIGN.md``,
    ``../../../notes.md``, a moved README) sends a reader nowhere, and the test above knew two names only."""
    docs = sorted(repo_docs())
    assert ROOT / "benchmarks" / "README.md" in docs and ROOT / "synthpipe" / "report" / "README.md" in docs
    outside = {str(doc.relative_to(ROOT)): targets for doc in docs if (targets := outside_targets(doc))}
    assert outside == {}


CITATIONS = {
    "link to a shared file": ("[protocol](../../shared/BENCHMARKS.md)", ["../../shared/BENCHMARKS.md"]),
    "absolute link": ("see [design](/work/shared/DESIGN.md#style)", ["/work/shared/DESIGN.md#style"]),
    "file URL": ("[d](file:///work/shared/DESIGN.md)", ["file:///work/shared/DESIGN.md"]),
    "reference link": ("[p]: ../../../outside.md", ["../../../outside.md"]),
    "named, in code": ("Protocol: `shared/BENCHMARKS.md`.", ["shared/BENCHMARKS.md"]),
    "named, bare": ("targets of BENCHMARKS.md", ["BENCHMARKS.md"]),
    "link into the repo": ("[protocol](../../benchmarks/PROTOCOL.md), [site](https://x.org/a.md)", []),
    "named from the root or beside": ("`benchmarks/PROTOCOL.md`, README.md, `results/<date>-sweep.md`", []),
}


@pytest.mark.parametrize("case", sorted(CITATIONS))
def test_a_citation_outside_the_repository_is_found(case: str, tmp_path: Path) -> None:
    """The check itself, in a repository of three files beside a ``shared/`` folder it does not hold:
    the doc sits where the report's README does (two folders below the root)."""
    text, expected = CITATIONS[case]
    root = tmp_path / "repo"
    for name in ("shared/BENCHMARKS.md", "outside.md", "repo/benchmarks/PROTOCOL.md", "repo/README.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# a doc\n", encoding="utf-8")
    doc = root / "synthpipe" / "report" / "README.md"
    doc.parent.mkdir(parents=True)
    doc.write_text(text + "\n", encoding="utf-8")

    assert outside_targets(doc, root) == expected
    assert sorted(repo_docs(root)) == [root / "README.md", root / "benchmarks" / "PROTOCOL.md", doc]


def test_the_protocol_lists_every_target_the_benchmark_checks() -> None:
    protocol = (ROOT / "benchmarks" / "PROTOCOL.md").read_text(encoding="utf-8")
    assert [t.text for t in TARGETS if f"- {t.text}\n" not in protocol] == []
