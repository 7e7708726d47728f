"""Reference implementations vendored from other projects, to test econ against a fixed
rule whatever version of those projects is installed."""
