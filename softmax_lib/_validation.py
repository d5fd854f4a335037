"""Private input checking shared by every public function.

The special-value policy itself is written once, in the module docstring of
:mod:`softmax_lib.core`; this module holds the pieces of it that are about
*accepting* input: which dtypes are allowed and how they are promoted, how an
``axis`` argument is normalised, and how ``temperature`` is checked.
"""

import math

import numpy as np

try:  # numpy >= 2.0
    from numpy.lib.array_utils import normalize_axis_tuple
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.numeric import normalize_axis_tuple

try:  # numpy >= 1.25
    from numpy.exceptions import AxisError
except ImportError:  # pragma: no cover - older numpy
    AxisError = np.AxisError  # noqa: NPY201

__all__ = ["AxisError", "as_float_array", "check_temperature", "normalize_axes"]

ACCEPTED = "bool, integer, float16, float32 or float64"


def as_float_array(x, name="x"):
    """Return ``x`` as a read-only-safe floating array and the dtype to return.

    Booleans and integers become float64; float16, float32 and float64 are
    kept. Anything else (complex, object, strings, datetimes, extended
    precision) raises ``TypeError``. The input is never copied unless a
    conversion is needed, and it is never written to by any caller.
    """
    arr = np.asarray(x)
    kind = arr.dtype.kind
    if kind in "biu":
        return arr.astype(np.float64)
    if kind == "f" and arr.dtype.itemsize <= 8:
        if not arr.dtype.isnative:  # e.g. big-endian data read from a file
            return arr.astype(arr.dtype.newbyteorder("="))
        return arr
    raise TypeError(f"{name} must be real numbers ({ACCEPTED}); got an array of dtype {arr.dtype}")


def normalize_axes(axis, ndim):
    """Normalise ``axis`` (int, tuple of ints or None) to a sorted tuple.

    A bad axis raises numpy's ``AxisError``; a repeated axis raises
    ``ValueError``, exactly as numpy reductions do.
    """
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"axis must be an int, a tuple of ints or None; got {axis!r}")
    return tuple(sorted(normalize_axis_tuple(axis, ndim)))


def check_temperature(temperature):
    """Return ``temperature`` as a Python float; it must be positive and finite."""
    if type(temperature) is float and 0.0 < temperature < math.inf:
        return temperature  # the common case, fast
    if isinstance(temperature, (bool, np.bool_)):
        raise TypeError("temperature must be a real number, not a bool")
    try:
        value = float(temperature)
    except (TypeError, ValueError):
        raise TypeError(
            f"temperature must be a positive, finite real number; got {temperature!r}"
        ) from None
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"temperature must be positive and finite; got {value!r}")
    return value
