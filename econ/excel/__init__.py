"""Excel workbooks with live formulas: the second backend of the model definition.

>>> from econ import load_scenario, evaluate
>>> from econ.excel import write_workbook
>>> sc = load_scenario("seeds/national_ree_gap.toml")              # doctest: +SKIP
>>> write_workbook(sc, evaluate(sc), "workbooks/national_ree_gap.xlsx")  # doctest: +SKIP
"""

from econ.excel.writer import write_workbook

__all__ = ["write_workbook"]
