"""Measured accuracy of a student: errors against labelled test frames (``errors``), written per cell (``metrics``)."""

from .errors import ErrorMetrics, dataset_errors
from .metrics import metrics_dataset, write_metrics

__all__ = ["ErrorMetrics", "dataset_errors", "metrics_dataset", "write_metrics"]
