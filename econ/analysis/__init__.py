"""Analyses over many evaluations of one scenario: sensitivities
(:mod:`~econ.analysis.sensitivity`), Monte Carlo (:mod:`~econ.analysis.montecarlo`),
budget allocation."""
