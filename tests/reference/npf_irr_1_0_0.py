"""numpy-financial 1.0.0's ``irr``: the reference for econ's IRR root-selection rule.

Vendored from numpy-financial 1.0.0, the release on PyPI: repository
https://github.com/numpy/numpy-financial, tag ``v1.0.0``, commit
247aa4e2ee4fa7db44915790d5a730b9776d10a7 (2019-10-18), file
``numpy_financial/_financial.py``, function ``irr`` (lines 632-709). The statements are
those of that file (identical to the installed 1.0.0 wheel); only the formatting (ruff),
the type hints and this docstring are ours. The docstring examples are 1.0.0's own.

The rule: the roots ``x = 1 / (1 + r)`` of ``sum_t values[t] * x ** t`` are computed
with ``np.roots`` (companion-matrix eigenvalues); those with imaginary part exactly 0
and real part > 0 (so ``r > -1``) are kept, and the rate ``r = 1/x - 1`` nearest zero is
returned (on an exact tie the first in ``np.roots``' order); NaN if none is kept.

numpy-financial's main branch has changed this rule since 1.0.0 (see ``econ.finance.irr``),
so the tests compare econ with this copy, not with whatever ``numpy_financial.irr`` is
installed.

>>> round(irr([-100, 39, 59, 55, 20]), 5)
0.28095
>>> round(irr([-100, 0, 0, 74]), 5)
-0.0955
>>> round(irr([-100, 100, 0, -7]), 5)
-0.0833
>>> round(irr([-100, 100, 0, 7]), 5)
0.06206
>>> round(irr([-5, 10.5, 1, -8, 1]), 5)
0.0886

Licence of numpy-financial (LICENSE.txt at the same commit)::

    Copyright (c) 2005-2019, NumPy Developers.
    All rights reserved.

    Redistribution and use in source and binary forms, with or without
    modification, are permitted provided that the following conditions are
    met:

        * Redistributions of source code must retain the above copyright
           notice, this list of conditions and the following disclaimer.

        * Redistributions in binary form must reproduce the above
           copyright notice, this list of conditions and the following
           disclaimer in the documentation and/or other materials provided
           with the distribution.

        * Neither the name of the NumPy Developers nor the names of any
           contributors may be used to endorse or promote products derived
           from this software without specific prior written permission.

    THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
    "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
    LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR
    A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT
    OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
    SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT
    LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
    DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY
    THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
    (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
    OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SOURCE_COMMIT = "247aa4e2ee4fa7db44915790d5a730b9776d10a7"
"""numpy-financial commit (tag v1.0.0) this copy is taken from."""


def irr(values: Any) -> float:
    """Internal rate of return by numpy-financial 1.0.0's rule (see the module)."""
    # `np.roots` call is why this function does not support Decimal type.
    #
    # Ultimately Decimal support needs to be added to np.roots, which has
    # greater implications on the entire linear algebra module and how it does
    # eigenvalue computations.
    res = np.roots(values[::-1])
    mask = (res.imag == 0) & (res.real > 0)
    if not mask.any():
        return np.nan
    res = res[mask].real
    # NPV(rate) = 0 can have more than one solution so we return
    # only the solution closest to zero.
    rate = 1 / res - 1
    rate = rate.item(np.argmin(np.abs(rate)))
    return rate
