"""The standard normal distribution function, bit for bit ``scipy.special.ndtr``, without importing scipy.

scipy.special costs about 0.3 s to import (it pulls in scipy's array-API layer and
numpy.testing), more than a quarter of logscope's start-up, and the detectors only ever
need the normal tail of a scalar. This is Cephes' ``ndtr`` as scipy compiles it
(``xsf/cephes/ndtr.h``: the same branches, coefficients and order of operations, with
``erf`` and ``erfc`` inlined for the arguments ndtr gives them); Python floats are IEEE
doubles and ``math.exp`` is the same C library ``exp``, so every result is the same double
(tests/test_fast_ndtr.py compares them on 260,000 arguments and around every branch edge; it
would catch a scipy build whose compiler fused a multiply and an add, or a new formula). ``math.erf``/``math.erfc`` would not do: the C library's differ from Cephes' in
the last bit, and an ndtr built on them differs from scipy's for about a third of arguments.

The polynomials are written out, not looped over, because the detectors call this about
70 times per run: a loop over coefficient tuples cost twice as much.
"""

from __future__ import annotations

import math

#: 1 / sqrt(2), C's M_SQRT1_2.
_SQRT1_2 = 0.70710678118654752440

#: Cephes' MAXLOG, log(DBL_MAX): exp(-z * z) underflows below -MAXLOG.
_MAXLOG = 7.09782712893383996843e2

#: ``scipy.special.ndtri(0.025)``, the z of a two-sided 95% interval (tests/test_fast_stats.py checks it).
NDTRI_0025 = -1.959963984540054


def ndtr(a: float) -> float:
    """``float(scipy.special.ndtr(a))``: the area under the standard normal density left of ``a``."""
    x = a * _SQRT1_2
    if x != x:  # noqa: PLR0124 - NaN (cheaper than a call to math.isnan)
        return math.nan
    z = abs(x)
    if z < 1.0:
        # Cephes' erf(x) = x P(x^2) / Q(x^2) for |x| <= 1 (erf(-x) = -erf(x), computed as such)
        s = z * z
        e = z * ((((9.60497373987051638749e0 * s + 9.00260197203842689217e1) * s + 2.23200534594684319226e3) * s
                  + 7.00332514112805075473e3) * s + 5.55923013010394962768e4) / (
            ((((s + 3.35617141647503099647e1) * s + 5.21357949780152679795e2) * s + 4.59432382970980127987e3) * s
             + 2.26290000613890934246e4) * s + 4.92673942608635921086e4)
        return 0.5 + 0.5 * (-e if x < 0.0 else e)
    # Cephes' erfc(z) for z >= 1: exp(-z^2) P(z) / Q(z), with other coefficients from z = 8 on
    w = -z * z
    if w < -_MAXLOG:
        y = 0.0
    else:
        w = math.exp(w)
        if z < 8.0:
            p = (((((((2.46196981473530512524e-10 * z + 5.64189564831068821977e-1) * z + 7.46321056442269912687e0) * z
                     + 4.86371970985681366614e1) * z + 1.96520832956077098242e2) * z + 5.26445194995477358631e2) * z
                  + 9.34528527171957607540e2) * z + 1.02755188689515710272e3) * z + 5.57535335369399327526e2
            q = (((((((z + 1.32281951154744992508e1) * z + 8.67072140885989742329e1) * z + 3.54937778887819891062e2) * z
                    + 9.75708501743205489753e2) * z + 1.82390916687909736289e3) * z + 2.24633760818710981792e3) * z
                 + 1.65666309194161350182e3) * z + 5.57535340817727675546e2
        else:
            p = ((((5.64189583547755073984e-1 * z + 1.27536670759978104416e0) * z + 5.01905042251180477414e0) * z
                  + 6.16021097993053585195e0) * z + 7.40974269950448939160e0) * z + 2.97886665372100240670e0
            q = (((((z + 2.26052863220117276590e0) * z + 9.39603524938001434673e0) * z + 1.20489539808096656605e1) * z
                  + 1.70814450747565897222e1) * z + 9.60896809063285878198e0) * z + 3.36907645100081516050e0
        y = (w * p) / q
    y = 0.5 * y
    return 1.0 - y if x > 0 else y
