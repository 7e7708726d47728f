"""The one place that decides output file names.

Each scenario's workbook and page are named ``<stem>.xlsx`` and
``<stem>.html``. The stem is the scenario's ``name`` (a scenario file) or
the workbook's file name (an edited copy: ``what_if.xlsx`` gives
``what_if.html``, never the original scenario's page). Within one run, a
stem already taken, or one of the run's own files (``index``,
``summary``), gets the first free ``-2``, ``-3``... suffix, in input order,
and a note says so naming both sources.

>>> stems, notes = output_stems([("a.toml", "gap"), ("b.toml", "gap"), ("c.toml", "index")])
>>> stems
['gap', 'gap-2', 'index-2']
>>> notes[0]
"b.toml: scenario name 'gap' is also the name of a.toml: its files are gap-2.xlsx and gap-2.html"
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["RESERVED", "output_stems"]

#: Stems of the files a batch or run writes for itself.
RESERVED = frozenset({"index", "summary"})


def output_stems(
    sources: Sequence[tuple[str, str]], reserved: frozenset[str] = RESERVED
) -> tuple[list[str], list[str]]:
    """Distinct output stems for ``(source file, wanted stem)`` pairs.

    Returns:
        The stems, in input order, and one note per renamed output.
    """
    owner: dict[str, str] = {}
    taken = {s.lower() for s in reserved}
    stems: list[str] = []
    notes: list[str] = []
    wanted_all = {w.lower() for _, w in sources}
    for source, wanted in sources:
        stem = wanted
        if stem.lower() in taken:
            n = 2
            while f"{wanted}-{n}".lower() in taken or f"{wanted}-{n}".lower() in wanted_all:
                n += 1
            stem = f"{wanted}-{n}"
            clash = (
                f"is also the name of {owner[wanted.lower()]}"
                if wanted.lower() in owner
                else f"would overwrite the run's own {wanted}.* files"
            )
            notes.append(
                f"{source}: scenario name {wanted!r} {clash}: its files are "
                f"{stem}.xlsx and {stem}.html"
            )
        taken.add(stem.lower())
        owner.setdefault(wanted.lower(), source)
        stems.append(stem)
    return stems, notes
