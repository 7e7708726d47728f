"""Where econ's files go: one atomic writer, one guard for edited workbooks.

:mod:`econ.outputs.files` writes every output file (workbooks, HTML pages,
the index, ``summary.csv``/``summary.xlsx``, exported TOML) through a
temporary file in the target folder, ``fsync`` and :func:`os.replace`;
:mod:`econ.outputs.seal` records a digest of each workbook econ writes so
that an edited workbook is never overwritten without a backup, and a
manifest (``.econ-outputs.json``) of the digests of the other files an
analyst may edit (CSV tables, draws, exported scenarios) does the same for
them (:func:`write_guarded`).
"""

from econ.outputs.files import EnvironmentFault, write_atomic, write_with
from econ.outputs.seal import (
    MANIFEST,
    backup_path,
    keep_if_edited,
    output_state,
    seal_workbook,
    workbook_state,
    write_guarded,
)

__all__ = [
    "MANIFEST",
    "EnvironmentFault",
    "backup_path",
    "keep_if_edited",
    "output_state",
    "seal_workbook",
    "workbook_state",
    "write_atomic",
    "write_guarded",
    "write_with",
]
