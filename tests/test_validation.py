"""The input policy of softmax_lib._validation, case by case, and its use by the modules.

Each rule of the module docstring has a test here: which error (TypeError for the
wrong kind, ValueError for the wrong value), numpy scalars wherever Python numbers
are accepted, dtype-likes wherever a dtype is taken, what counts as a class index
and what counts as a class label.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from softmax_lib import _validation as v

# --- Counts and reals ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [3, np.int8(3), np.int64(3), np.uint16(3)])
def test_counts_accept_python_and_numpy_integers(value):
    assert v.check_count(value, "n") == 3
    assert type(v.check_count(value, "n")) is int


@pytest.mark.parametrize("value", [3.0, np.float64(3.0), "3", True, np.bool_(True), None, [3]])
def test_counts_refuse_other_kinds_with_type_error(value):
    with pytest.raises(TypeError, match="n must be an integer"):
        v.check_count(value, "n")


def test_counts_below_the_minimum_are_a_value_error():
    with pytest.raises(ValueError, match="n must be an integer >= 1; got 0"):
        v.check_count(0, "n")
    assert v.check_count(0, "n", minimum=0) == 0


@pytest.mark.parametrize(
    "value", [0.5, 1, np.float16(0.5), np.float32(0.5), np.float64(0.5), np.int64(1)]
)
def test_reals_accept_python_and_numpy_numbers(value):
    assert v.check_real(value, "x") == float(value)
    assert type(v.check_real(value, "x")) is float


@pytest.mark.parametrize("value", ["0.5", True, np.bool_(False), None, 1j, [0.5]])
def test_reals_refuse_other_kinds_with_type_error(value):
    with pytest.raises(TypeError, match="x must be a real number"):
        v.check_real(value, "x")


@pytest.mark.parametrize(
    ("value", "bounds", "message"),
    [
        (math.nan, {}, r"x must be finite and in \[-inf, inf\]; got nan"),
        (math.inf, {}, "x must be finite"),
        (0.0, {"low": 0.0, "low_open": True}, r"in \(0, inf\]"),
        (1.0, {"low": 0.0, "high": 1.0, "high_open": True}, r"in \[0, 1\)"),
        (-0.1, {"low": 0.0}, r"in \[0, inf\]"),
    ],
)
def test_reals_out_of_range_are_a_value_error(value, bounds, message):
    with pytest.raises(ValueError, match=message):
        v.check_real(value, "x", **bounds)


def test_choices():
    assert v.check_choice("mean", "reduction", ("mean", "sum")) == "mean"
    for bad in ("avg", None, 1):
        with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum'"):
            v.check_choice(bad, "reduction", ("mean", "sum"))


def test_temperature_is_a_real_too():
    assert v.check_temperature(np.float32(2.0)) == 2.0
    assert v.check_temperature(np.int64(2)) == 2.0
    with pytest.raises(TypeError):
        v.check_temperature(True)
    with pytest.raises(ValueError, match="temperature must be positive"):
        v.check_temperature(0.0)


# --- dtypes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype", [np.float32, "float32", "f4", np.dtype("float32"), np.dtype(np.float32)]
)
def test_any_dtype_like_is_accepted(dtype):
    assert v.as_dtype(dtype, "dtype", (np.float32, np.uint8)) == np.dtype(np.float32)


def test_dtypes_outside_the_choices_are_a_value_error():
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'uint8'"):
        v.as_dtype(np.float64, "dtype", (np.float32, np.uint8))
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'uint8'"):
        v.as_dtype(None, "dtype", (np.float32, np.uint8))  # np.dtype(None) is float64


@pytest.mark.parametrize("dtype", [3.5, object(), [1, 2]])
def test_things_that_are_not_dtypes_are_a_type_error(dtype):
    with pytest.raises(TypeError, match="dtype must be a numpy dtype or its name"):
        v.as_dtype(dtype, "dtype", (np.float32,))


# --- Arrays of real numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ([True, False], np.float64),
        (np.array([1, 2], dtype=np.int8), np.float64),
        (np.array([1, 2], dtype=np.uint64), np.float64),
        (np.array([1, 2], dtype=np.float16), np.float16),
        (np.array([1, 2], dtype=np.float32), np.float32),
        (np.array([1, 2], dtype=">f8"), np.float64),  # big-endian: native order
    ],
)
def test_real_arrays(values, dtype):
    result = v.as_float_array(values)
    assert result.dtype == dtype
    assert result.dtype.isnative


@pytest.mark.parametrize(
    "values",
    [
        np.array([1j]),
        np.array(["a"]),
        np.array([1.0], dtype=object),
        np.array(["2020-01-01"], dtype="datetime64[D]"),
        np.array([1.0], dtype=np.longdouble) if np.dtype(np.longdouble).itemsize > 8 else "x",
    ],
)
def test_arrays_of_other_kinds_are_a_type_error(values):
    with pytest.raises(TypeError, match="x must be real numbers"):
        v.as_float_array(values)


def test_feature_arrays_may_be_objects_holding_numbers():
    v.check_feature_dtype(np.array([[1.0, 2]], dtype=object))  # accepted
    v.check_feature_dtype(np.array([[np.float32(1.0), np.int64(2)]], dtype=object))
    with pytest.raises(TypeError, match="not 'dict'"):
        v.check_feature_dtype(np.array([[1.0, {}]], dtype=object))
    with pytest.raises(TypeError, match="not 'str'"):
        v.check_feature_dtype(np.array([[1.0, "2"]], dtype=object))
    with pytest.raises(TypeError, match="X must be real numbers"):
        v.check_feature_dtype(np.array([[1j]]))


# --- Class indices ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "labels",
    [
        [0, 2, 1],
        np.array([0, 2, 1], dtype=np.uint8),
        np.array([0, 2, 1], dtype=np.int32),
        np.array([0.0, 2.0, 1.0]),
        np.array([0.0, 2.0, 1.0], dtype=np.float32),
    ],
)
def test_class_indices_are_integers_or_whole_floats(labels):
    result = v.as_class_indices(labels, n_classes=3)
    assert result.dtype == np.int64
    assert result.tolist() == [0, 2, 1]


@pytest.mark.parametrize(
    "labels", [[True, False], ["0", "1"], np.array([0, 1], dtype=object), [0j, 1j]]
)
def test_class_indices_of_other_kinds_are_a_type_error(labels):
    with pytest.raises(TypeError, match="labels must be class indices"):
        v.as_class_indices(labels)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([0.5, 1.0], "labels must be whole numbers, got 0.5"),
        ([np.nan, 1.0], "labels must be whole numbers; got nan"),
        ([np.inf, 1.0], "labels must be whole numbers; got inf"),
        ([0, 3], r"labels must lie in 0..2 \(class indices for 3 classes\); got 3"),
        ([-1, 0], "labels must lie in 0..2"),
    ],
)
def test_class_indices_with_bad_values_are_a_value_error(labels, message):
    with pytest.raises(ValueError, match=message):
        v.as_class_indices(labels, n_classes=3)


def test_class_indices_shape():
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\); got \(3,\)"):
        v.as_class_indices([0, 1, 1], shape=(2,))
    assert v.as_class_indices(np.zeros(0)).shape == (0,)  # empty float: fine


# --- Class labels -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "classes"),
    [
        ([2, 0, 2], [0, 2]),  # the classes seen: no phantom class 1
        ([3.0, 1.0, 3.0], [1.0, 3.0]),
        (np.array([3, 1, 3], dtype=np.uint8), [1, 3]),
        (["b", "a", "b"], ["a", "b"]),
        (np.array([b"b", b"a", b"b"]), [b"a", b"b"]),
        (np.array(["b", "a", "b"], dtype=object), ["a", "b"]),
        (np.array([2, 0, 2], dtype=object), [0, 2]),
        ([True, False, True], [False, True]),
    ],
)
def test_class_labels_are_any_sortable_values(y, classes):
    found, indices = v.as_class_labels(y)
    assert found.tolist() == classes
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(found[indices], np.asarray(y))


@pytest.mark.parametrize(
    ("y", "message"),
    [
        ([0.5, 1.0], "Unknown label type: continuous"),
        ([np.nan, 1.0], "contains NaN"),
        ([np.inf, 1.0], "y must be whole numbers; got inf"),
        (np.array([0.5, 1], dtype=object), "Unknown label type: continuous"),
        ([[0, 1], [1, 0]], "y must be 1-D"),
    ],
)
def test_class_labels_with_bad_values_are_a_value_error(y, message):
    with pytest.raises(ValueError, match=message):
        v.as_class_labels(y)


@pytest.mark.parametrize(
    ("y", "message"),
    [
        ([1j, 2j], "y must hold class labels"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), "y must hold class labels"),
        (np.array([1, "a"], dtype=object), "must be sortable"),
    ],
)
def test_class_labels_of_other_kinds_are_a_type_error(y, message):
    with pytest.raises(TypeError, match=message):
        v.as_class_labels(y)


# --- The same answers from every module ---------------------------------------------------


def test_every_module_agrees_on_class_indices():
    """The issue's probe: floats were accepted in two modules and refused in two."""
    import softmax_lib as sl

    logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 3.0]])
    whole = np.array([0.0, 1.0, 2.0])
    ints = np.array([0, 1, 2])
    assert sl.cross_entropy(logits, whole) == sl.cross_entropy(logits, ints)
    np.testing.assert_array_equal(
        sl.confusion_matrix(whole, whole), sl.confusion_matrix(ints, ints)
    )
    probs = sl.softmax(logits)
    assert sl.expected_calibration_error(probs, whole) == sl.expected_calibration_error(
        probs, ints
    )
    assert sl.fit_temperature(logits, whole) == sl.fit_temperature(logits, ints)
    calls = [
        lambda labels: sl.cross_entropy(logits, labels),
        lambda labels: sl.cross_entropy_grad(logits, labels),
        lambda labels: sl.confusion_matrix(labels, ints, n_classes=3),
        lambda labels: sl.reliability_curve(probs, labels),
        lambda labels: sl.expected_calibration_error(probs, labels),
        lambda labels: sl.fit_temperature(logits, labels),
    ]
    for call in calls:
        with pytest.raises(TypeError, match="labels must be class indices"):
            call(np.array(["a", "b", "c"]))
        with pytest.raises(TypeError, match="labels must be class indices"):
            call(np.array([True, False, True]))
        with pytest.raises(ValueError, match=r"labels must be whole numbers, got 0\.5"):
            call(np.array([0.5, 1.0, 2.0]))
        with pytest.raises(ValueError, match=r"labels must lie in 0\.\.2"):
            call(np.array([0, 1, 3]))
