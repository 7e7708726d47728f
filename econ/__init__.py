"""econ: a project-economics spreadsheet engine for critical-minerals programmes.

Scenario files of cited assumptions go in; cost models (competitiveness gap,
subsidy breakeven, budget coverage, project cash flows), live Excel workbooks
and HTML summaries come out. Every line item is defined once
(:mod:`econ.model.definition`) and evaluated by numpy or rendered as Excel
formulas from that one definition.

>>> import econ
>>> scenario = econ.load_scenario("seeds/national_ree_gap.toml")  # doctest: +SKIP
>>> econ.evaluate(scenario).metrics()                              # doctest: +SKIP
"""

from econ.engine import Results, evaluate, evaluate_many
from econ.errors import InputError
from econ.model.definition import MODELS
from econ.model.schema import Model
from econ.scenario import Assumption, Scenario, Source, load_scenario

__version__ = "0.1.0"

__all__ = [
    "MODELS",
    "Assumption",
    "InputError",
    "Model",
    "Results",
    "Scenario",
    "Source",
    "__version__",
    "evaluate",
    "evaluate_many",
    "load_scenario",
]
