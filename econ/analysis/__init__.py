"""Analyses over many evaluations of a scenario: sensitivities, Monte Carlo."""
