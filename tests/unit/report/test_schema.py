"""report.json follows the committed, documented JSON schema."""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd
import pytest

from synthpipe.report import Report, evaluate
from synthpipe.report.model import SCHEMA_VERSION, report_json_schema

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema validates report.json")


def _committed() -> dict:
    text = resources.files("synthpipe.report").joinpath("templates/report.schema.json").read_text()
    return json.loads(text)


def test_committed_schema_matches_the_model() -> None:
    assert _committed() == report_json_schema(), (
        "the report model changed: review the change, bump SCHEMA_VERSION if it breaks readers, "
        "and regenerate with `python -m synthpipe.report.model`"
    )


def test_report_json_validates_against_schema(filtered_report: Report) -> None:
    doc = json.loads(filtered_report.to_json())
    jsonschema.validate(doc, _committed())
    assert doc["schema_version"] == SCHEMA_VERSION == "1.12"
    assert {"score", "grade", "column_shapes", "column_pair_trends"} <= doc["quality"].keys()
    assert {"dcr_share", "identical_share", "mia_auc", "nndr_synthetic"} <= doc["privacy"].keys()


def test_report_without_holdout_validates(frames: dict[str, pd.DataFrame]) -> None:
    report = evaluate(real=frames["train"], synthetic=frames["fresh"].iloc[:200])
    jsonschema.validate(json.loads(report.to_json()), _committed())
