"""The line items of econ's cost models, each defined once.

Two models exist:

* ``national`` (:mod:`.national`): a country's consumption bought from
  domestic producers that cost more than the benchmark (Chinese) producer:
  the competitiveness gap, the subsidy that closes it, how long a budget
  lasts, learning by doing.
* ``project`` (:mod:`.project`): the same questions for one plant, plus its
  cash flow (capex, ramp-up, opex, royalty, working capital, revenue from a
  product basket, subsidy, profit tax with losses carried forward
  (:mod:`.tax`), depreciation) and NPV, IRR, payback, and solved metrics
  (levelized cost, breakeven subsidy) derived from the graph by
  :mod:`econ.model.solve`.

One file per block: :mod:`._common` (item constructors, named constants),
:mod:`.gap` (learning, gap, subsidy, budget: shared by both models),
:mod:`.tax`, :mod:`.national`, :mod:`.project`.

Conventions, applied to every name:

* a name ends with its unit: ``_usd``, ``_usd_per_kg``, ``_t_per_yr``;
  a timeline row of yearly amounts is ``..._per_yr`` (revenue_usd_per_yr)
  and sums to the amount (``Sum`` multiplies by yr); a stock is the bare
  amount (``cumulative_cash_flow_usd``);
* a fraction (unit 1) has no unit suffix and holds a fraction, never a
  percentage: ``discount_rate``, ``gap_share``, ``utilisation``; a 0/1 row
  ends in ``_flag``; a calendar year ends in ``_year``, a duration in ``_yr``.

Sign convention: costs and subsidies are positive numbers; in the cash flow,
money into the project is positive and money out negative.
"""

from __future__ import annotations

from econ.model.definition.national import NATIONAL
from econ.model.definition.project import PROJECT
from econ.model.schema import Model

__all__ = ["MODELS", "NATIONAL", "PROJECT"]

#: Every model, by the name a scenario file gives in ``model = "..."``.
MODELS: dict[str, Model] = {m.name: m for m in (NATIONAL, PROJECT)}
