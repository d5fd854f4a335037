"""The input policy: what every public function accepts, and how it says no.

This module is private; its rules are the library's public contract, written
here once (the special-value policy, about what the *numbers* do, is in
:mod:`softmax_lib.core`). :mod:`softmax_lib.losses`, :mod:`~softmax_lib.grad`,
:mod:`~softmax_lib.calibration`, :mod:`~softmax_lib.metrics`,
:mod:`~softmax_lib.regression` and :mod:`~softmax_lib.datasets` all check their
input with the functions below.

Which error
-----------
- ``TypeError``: the *kind* of input is wrong, whatever its value: an array
  whose dtype cannot hold what is asked for (strings, complex numbers or
  objects where real numbers are expected), a string or a bool where a number
  is expected, a float where a count is expected, something that is not a
  dtype where a dtype is expected.
- ``ValueError``: the kind is right but the value is not: a wrong shape, a
  number out of range, NaN or infinity where a finite number is needed, a
  class index outside ``0 .. K - 1``, a float label that is not a whole
  number, an unknown option string, fewer than 2 classes to learn.
- numpy's ``AxisError`` (a ``ValueError``) for an ``axis`` out of range.

Numbers and dtypes
------------------
- **Scalars.** Wherever a Python number is accepted, the numpy scalars of the
  same kind are too: ``np.int64(2)`` is a count like ``2``, ``np.float32(0.5)``
  a real like ``0.5``. A count (an ``int`` parameter such as ``n_epochs`` or
  ``n_bins``) must be an integer: ``2.0`` is a ``TypeError``. A real accepts
  integers too. ``True`` and ``False`` are not numbers here (``TypeError``).
- **Arrays of real numbers** (logits, probabilities, features): booleans and
  integers become float64; float16, float32 and float64 are kept (the
  features of :class:`~softmax_lib.regression.SoftmaxRegression` become
  float32). Complex, string, datetime and extended-precision arrays raise
  ``TypeError``. Object arrays raise ``TypeError``, except in
  ``SoftmaxRegression``, which converts an object array whose entries are all
  real numbers (as scikit-learn's estimators do, e.g. for a pandas column) and
  raises ``TypeError`` naming the first entry that is not.
- **dtypes.** Wherever a dtype is taken, anything :class:`numpy.dtype`
  accepts will do: ``np.float32``, ``"float32"`` or ``np.dtype("float32")``.

Class labels and class indices
------------------------------
- **Class indices** (the ``labels`` of :func:`~softmax_lib.losses.cross_entropy`,
  :func:`~softmax_lib.metrics.confusion_matrix`,
  :func:`~softmax_lib.calibration.reliability_curve`,
  :func:`~softmax_lib.calibration.expected_calibration_error` and
  :func:`~softmax_lib.calibration.fit_temperature`) number the columns of a
  logit or probability array: integers ``0 .. K - 1``. An array of any integer
  dtype is accepted, and so is a float array whose values are all whole numbers
  (``3.0`` is the index ``3``; labels often arrive as floats). A float that is
  not a whole number, NaN or infinity is a ``ValueError``, and so is an index
  outside ``0 .. K - 1``. Any other dtype (bool, string, complex, object)
  is a ``TypeError``.
- **Class labels** (the ``y`` of :meth:`SoftmaxRegression.fit
  <softmax_lib.SoftmaxRegression.fit>`) name the classes: any values
  that can be sorted, as in scikit-learn: integers, whole-number floats,
  booleans, strings, or an object array of mutually comparable values (e.g.
  Python strings). The classes are the distinct labels seen, sorted
  (``classes_``), and predictions are returned as those labels. A float label
  that is not a whole number is a ``ValueError`` (it looks like a regression
  target: scikit-learn's "Unknown label type: continuous"), and so is NaN;
  complex, datetime and unsortable mixtures are a ``TypeError``.
"""

import math
import numbers

import numpy as np

try:  # numpy >= 2.0
    from numpy.lib.array_utils import normalize_axis_tuple
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.numeric import normalize_axis_tuple

try:  # numpy >= 1.25
    from numpy.exceptions import AxisError
except ImportError:  # pragma: no cover - older numpy
    AxisError = np.AxisError  # noqa: NPY201

__all__ = [
    "AxisError",
    "as_class_indices",
    "as_class_labels",
    "as_dtype",
    "as_float_array",
    "as_mask",
    "check_choice",
    "check_count",
    "check_feature_dtype",
    "check_flag",
    "check_mask",
    "check_real",
    "check_temperature",
    "normalize_axes",
]

ACCEPTED = "bool, integer, float16, float32 or float64"


def as_float_array(x, name="x"):
    """Return ``x`` as a read-only-safe floating array.

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


def check_feature_dtype(X, name="X"):
    """Refuse feature arrays that cannot hold real numbers (``TypeError``).

    Like :func:`as_float_array`, but an object array is allowed through when
    every entry is a real number (it is converted by the caller). Returns
    nothing; ``X`` itself is left alone (it may be a pandas DataFrame).
    """
    dtype = np.asarray(X).dtype
    if dtype.kind in "biu" or (dtype.kind == "f" and dtype.itemsize <= 8):
        return
    if dtype.kind == "O":
        for value in np.asarray(X).flat:
            if not _is_real(value):
                raise TypeError(
                    f"{name} must hold real numbers; float() argument must be a string or a "
                    f"real number, not {type(value).__name__!r} (entry {value!r})"
                )
        return
    raise TypeError(f"{name} must be real numbers ({ACCEPTED}); got an array of dtype {dtype}")


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real | np.bool_) and not isinstance(value, bool | np.bool_)


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


def check_mask(mask, shape, name="where"):
    """Check a mask (anything with ``dtype`` and ``shape``, numpy or Dask) against ``shape``.

    Not boolean: ``TypeError``. A mask must broadcast to the shape of what it masks,
    as the ``where`` of numpy's reductions must: it may have fewer dimensions or
    dimensions of length 1, but not more dimensions or other lengths (``ValueError``,
    naming both shapes).
    """
    if mask.dtype != np.bool_:
        raise TypeError(f"{name} must be a boolean array; got dtype {mask.dtype}")
    try:
        fits = np.broadcast_shapes(tuple(mask.shape), tuple(shape)) == tuple(shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{name} of shape {tuple(mask.shape)} does not broadcast to the shape "
            f"{tuple(shape)} it masks"
        )


def as_mask(where, shape, name="where"):
    """Return ``where`` as a boolean array broadcast to ``shape`` (a read-only view).

    Not boolean: ``TypeError``; not broadcastable to ``shape``: ``ValueError``
    (:func:`check_mask`).
    """
    mask = np.asarray(where)
    check_mask(mask, shape, name)
    return np.broadcast_to(mask, shape)


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


# --- Scalars, choices, dtypes ------------------------------------------------------------


def check_count(value, name, *, minimum=1):
    """Return ``value`` as a Python int: an integer (Python or numpy) >= ``minimum``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} of type {type(value).__name__}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return value


def check_real(value, name, *, low=-math.inf, high=math.inf, low_open=False, high_open=False):
    """Return ``value`` as a finite Python float within the given bounds.

    Python and numpy integers and floats are accepted (``TypeError`` for
    anything else, bools included); NaN, infinity or a value outside
    ``[low, high]`` (or the open ends) is a ``ValueError``.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number; got {value!r} of type {type(value).__name__}"
        )
    number = float(value)
    below = number <= low if low_open else number < low
    above = number >= high if high_open else number > high
    if not math.isfinite(number) or below or above:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(
            f"{name} must be finite and in {left}{low:g}, {high:g}{right}; got {value!r}"
        )
    return number


def check_flag(value, name):
    """Return ``value`` as a Python bool: it must be True or False (or a numpy bool)."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def check_choice(value, name, choices):
    """Return ``value`` if it is one of ``choices`` (strings), else ``ValueError``."""
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"{name} must be one of {options}; got {value!r}")
    return value


def as_dtype(dtype, name, allowed):
    """Return ``np.dtype(dtype)``, which must be one of ``allowed``.

    Any dtype-like is accepted (``np.float32``, ``"float32"``,
    ``np.dtype("float32")``); something that is not a dtype at all is a
    ``TypeError``, a dtype not in ``allowed`` a ``ValueError``.
    """
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be a numpy dtype or its name; got {dtype!r}") from None
    allowed = [np.dtype(item) for item in allowed]
    if dtype is None or result not in allowed:
        names = " or ".join(repr(item.name) for item in allowed)
        raise ValueError(f"{name} must be {names} (or the numpy type); got {dtype!r}")
    return result


# --- Class indices and class labels -------------------------------------------------------


def _whole_floats_to_int(values, name, hint=""):
    """Float labels that are whole numbers become int64; others are a ValueError."""
    finite = np.isfinite(values)
    if not finite.all():
        bad = float(values[~finite].flat[0])
        raise ValueError(f"{name} must be whole numbers; got {bad!r}{hint}")
    fraction = values != np.round(values)
    if fraction.any():
        bad = float(values[fraction].flat[0])
        raise ValueError(f"{name} must be whole numbers, got {bad!r}{hint}")
    return values.astype(np.int64)


def as_class_indices(labels, name="labels", *, n_classes=None, shape=None):
    """Return class indices as an int64 array, checked against the policy.

    Parameters
    ----------
    labels : array_like
        Integers, or whole-number floats.
    name : str
        The argument's name, for the messages.
    n_classes : int, optional
        If given, every index must lie in ``0 .. n_classes - 1``.
    shape : tuple of int, optional
        If given, the shape ``labels`` must have.
    """
    values = np.asarray(labels)
    if values.dtype.kind == "f":
        values = _whole_floats_to_int(values, name)
    elif values.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must be class indices (integers 0 .. K-1, or whole-number floats); "
            f"got an array of dtype {values.dtype}"
        )
    if shape is not None and values.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}; got {values.shape}")
    if n_classes is not None and values.size:
        outside = (values < 0) | (values >= n_classes)
        if outside.any():
            raise ValueError(
                f"{name} must lie in 0..{n_classes - 1} (class indices for {n_classes} "
                f"classes); got {values[outside].flat[0]}"
            )
    return values.astype(np.int64, copy=False)


_CONTINUOUS = (
    " (Unknown label type: continuous; class labels are integers, whole-number floats,"
    " booleans or strings)"
)


def as_class_labels(y, name="y"):
    """Return ``(classes, indices)`` for 1-D class labels ``y``.

    ``classes`` are the distinct labels, sorted; ``indices`` (int64) say which
    of them each sample has, so that ``classes[indices]`` is ``y``.
    """
    values = np.asarray(y)
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one label per sample); got shape {values.shape}")
    kind = values.dtype.kind
    if kind == "f":
        if np.isnan(values).any():
            raise ValueError(f"{name} contains NaN, which is not a class label")
        _whole_floats_to_int(values, name, _CONTINUOUS)  # refuses 0.5 and infinity
    elif kind == "O":
        for value in values:
            if isinstance(value, float | np.floating) and not (
                math.isfinite(value) and value == round(value)
            ):
                raise ValueError(f"{name} holds {float(value)!r}, not a class label{_CONTINUOUS}")
    elif kind not in "biuUS":
        raise TypeError(
            f"{name} must hold class labels (integers, whole-number floats, booleans or "
            f"strings); got an array of dtype {values.dtype}"
        )
    try:
        classes, indices = np.unique(values, return_inverse=True)
    except TypeError as exc:
        raise TypeError(f"the class labels in {name} must be sortable: {exc}") from None
    return classes, indices.reshape(-1).astype(np.int64)
