"""The one exception type users see.

Every problem with what a user gave econ (a scenario file, an edited
workbook, a command-line option) is raised as :class:`InputError`, whose text
names the file, the place in it (a key such as ``assumptions.discount_rate``
or a cell such as ``Assumptions!C7``), what was expected and what was found.
The command line prints that one line and exits with code 2.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad input, described for the person who wrote it.

    Args:
        file: the file at fault (or ``None`` for command-line values).
        where: the key or cell, e.g. ``"assumptions.discount_rate"``.
        message: what was expected and what was found.

    >>> str(InputError("seeds/a.toml", "assumptions.discount_rate",
    ...                "'discount_rate' must be in [0, 1) (got 1.5)"))
    "seeds/a.toml: assumptions.discount_rate: 'discount_rate' must be in [0, 1) (got 1.5)"
    """

    def __init__(self, file: str | Path | None, where: str | None, message: str) -> None:
        self.file = None if file is None else str(file)
        self.where = where
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return ": ".join(p for p in (self.file, self.where, self.message) if p)
