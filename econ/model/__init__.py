"""The model core: pure, arrays in and arrays out, no files, no clock.

* :mod:`~econ.model.expr`: node types and graph utilities (refs, substitute,
  simplify, degree);
* :mod:`~econ.model.numpy_backend` and :mod:`~econ.model.excel_backend`: the
  two renderings of a node;
* :mod:`~econ.model.units`: unit inference, checked when a model is built;
* :mod:`~econ.model.schema`: inputs, constants, line items, solves, rules,
  charts and the :class:`~econ.model.schema.Model` graph;
* :mod:`~econ.model.solve`: solved metrics derived by substitution, and the
  vectorized root finder;
* :mod:`~econ.model.evaluate` and :mod:`~econ.model.validate`: evaluation and
  the one validation of input values;
* :mod:`~econ.model.definition`: the national and project models.
"""
