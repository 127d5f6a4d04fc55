"""What the CLI says beside its summary table."""

from __future__ import annotations

from types import SimpleNamespace

from synthpipe.cli import filter_warnings


def test_the_cli_warns_when_the_privacy_filters_dropped_most_generated_rows() -> None:
    """A table whose every column follows its row number: 5,193 of 6,193 generated rows dropped, the
    rows kept holding infinities at 3.5x their real rate; nothing said it outside the report."""
    (warning,) = filter_warnings(SimpleNamespace(rows=1_000, filtered_rows=5_193))
    assert "dropped 5,193 of 6,193 generated rows (84%)" in warning
    assert filter_warnings(SimpleNamespace(rows=1_000, filtered_rows=1_000)) == []  # half: the usual refills
    assert filter_warnings(SimpleNamespace(rows=12_551, filtered_rows=0)) == []
