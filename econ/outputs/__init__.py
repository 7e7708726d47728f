"""Where econ's files go: one atomic writer, one guard for edited workbooks.

:mod:`econ.outputs.files` writes every output file (workbooks, HTML pages,
the index, ``summary.csv``/``summary.xlsx``, exported TOML) through a
temporary file in the target folder, ``fsync`` and :func:`os.replace`;
:mod:`econ.outputs.seal` records a digest of each workbook econ writes so
that an edited workbook is never overwritten without a backup.
"""

from econ.outputs.files import EnvironmentFault, write_atomic, write_with
from econ.outputs.seal import (
    backup_path,
    keep_if_edited,
    seal_workbook,
    workbook_state,
    write_table_workbook,
)

__all__ = [
    "EnvironmentFault",
    "backup_path",
    "keep_if_edited",
    "seal_workbook",
    "workbook_state",
    "write_atomic",
    "write_table_workbook",
    "write_with",
]
