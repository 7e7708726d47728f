"""Analyses over many evaluations of one scenario: sensitivities
(:mod:`~econ.analysis.sensitivity`), Monte Carlo, budget allocation."""
