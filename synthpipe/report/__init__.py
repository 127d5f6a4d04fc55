"""Quality and privacy report for a synthetic set, and the gates checked against it."""

from synthpipe.report.gates import Gates

__all__ = ["Gates"]
