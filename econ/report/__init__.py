"""HTML summaries of scenarios and indexes of batches (see :mod:`econ.report.html`)."""

from econ.report.html import (
    IndexRow,
    SweepTable,
    build_charts,
    format_value,
    render_index,
    render_summary,
    write_index,
    write_summary,
)

__all__ = [
    "IndexRow",
    "SweepTable",
    "build_charts",
    "format_value",
    "render_index",
    "render_summary",
    "write_index",
    "write_summary",
]
