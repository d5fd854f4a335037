r"""Dask arrays in :func:`~softmax_lib.softmax`, :func:`~softmax_lib.log_softmax`
and :func:`~softmax_lib.logsumexp` (private; reached through those functions).

The softmax axis may be split into chunks held by different workers (a
vocabulary sharded over machines, as in tensor-parallel training). No chunk is
gathered into a whole row: each chunk is reduced to its partial state
``(m, s)`` (:func:`softmax_lib.softmax_state`), the states are merged in a
tree (:func:`softmax_lib.merge_states`, associative, so the tree's shape does
not matter), and each chunk is then normalised with the state of its row. This
is ``dask.array.reduction`` with chunk / combine / aggregate functions; the
state travels as a structured array with the fields ``max``, ``scaled_sum``
and ``error``. The special-value policy and the accuracy are those of the
numpy path. Needs the optional extra ``softmax-lib[dask]``.

Limits: the weights ``b`` of :func:`~softmax_lib.logsumexp` are not
supported for Dask arrays (``NotImplementedError``); ``temperature`` divides
the logits first, so logits beyond ``T * 1.8e308`` are not handled as in the
numpy path.
"""

import numpy as np

from softmax_lib._validation import check_mask, check_temperature, normalize_axes
from softmax_lib.online import (
    SoftmaxState,
    _merge_along,
    softmax_state,
    state_log_softmax,
    state_logsumexp,
    state_softmax,
)

STATE_DTYPE = np.dtype([("max", "f8"), ("scaled_sum", "f8"), ("error", "f8")])
_ACCEPTED = "bool, integer, float16, float32 or float64"


def _pack(state):
    packed = np.empty(np.shape(state.max), dtype=STATE_DTYPE)
    for name in STATE_DTYPE.names:
        packed[name] = getattr(state, name)
    return packed


def _unpack(packed):
    return SoftmaxState(*(np.asarray(packed[name]) for name in STATE_DTYPE.names))


def _chunk(x, weights=None, axis=None, keepdims=True):
    where = None if weights is None else np.asarray(weights, dtype=bool)
    return _pack(softmax_state(x, axis=axis, where=where, keepdims=True))


def _combine(packed, axis=None, keepdims=True):
    state = _unpack(packed)
    for a in axis:
        state = _merge_along(state, a)
    if not keepdims:
        state = SoftmaxState(*(np.squeeze(part, axis=axis) for part in state))
    return _pack(state)


def _float_dask(x):
    kind = x.dtype.kind
    if kind in "biu":
        return x.astype(np.float64), np.dtype(np.float64)
    if kind == "f" and x.dtype.itemsize <= 8:
        return x, x.dtype
    raise TypeError(f"x must be real numbers ({_ACCEPTED}); got an array of dtype {x.dtype}")


def _divide(block, temperature):
    """``block / temperature`` in float64; a huge logit overflows to inf without a warning."""
    with np.errstate(over="ignore", under="ignore"):
        return block.astype(np.float64) / temperature


def _prepare(x, axis, temperature, where):
    import dask.array as da

    x, out_dtype = _float_dask(x)
    mask = None
    if where is not None:
        mask = da.asarray(where)
        check_mask(mask, x.shape)
    if x.ndim == 0:
        x = x.reshape(1)
        axis = None
        if mask is not None:
            mask = da.reshape(mask, 1)
    axes = normalize_axes(axis, x.ndim)
    temperature = check_temperature(temperature)
    if temperature != 1.0:
        x = x.map_blocks(_divide, temperature, dtype=np.float64)
    if mask is not None:
        mask = da.broadcast_to(mask, x.shape).rechunk(x.chunks)
    state = da.reduction(
        x,
        _chunk,
        _combine,
        axis=axes,
        keepdims=True,
        dtype=STATE_DTYPE,
        combine=_combine,
        weights=mask,
        meta=np.empty((0,) * x.ndim, dtype=STATE_DTYPE),
    )
    return x, axes, out_dtype, mask, state


def _normalized(x, axis, temperature, where, log):
    import dask.array as da

    shape = x.shape
    x, _, out_dtype, mask, state = _prepare(x, axis, temperature, where)
    finish = state_log_softmax if log else state_softmax

    def block(xb, packed, *maskb):
        out = finish(xb, _unpack(packed), where=maskb[0] if maskb else None)
        return out.astype(out_dtype, copy=False)

    args = (x, state) if mask is None else (x, state, mask)
    out = da.map_blocks(block, *args, dtype=out_dtype, meta=np.empty((0,) * x.ndim, out_dtype))
    return out.reshape(shape) if out.shape != shape else out


def softmax(x, axis=-1, *, temperature=1.0, where=None):
    """:func:`softmax_lib.softmax` of a Dask array (lazy, same chunks)."""
    return _normalized(x, axis, temperature, where, log=False)


def log_softmax(x, axis=-1, *, temperature=1.0, where=None):
    """:func:`softmax_lib.log_softmax` of a Dask array (lazy, same chunks)."""
    return _normalized(x, axis, temperature, where, log=True)


def logsumexp(x, axis=None, b=None, keepdims=False, return_sign=False, *, where=None):
    """:func:`softmax_lib.logsumexp` of a Dask array (lazy)."""
    import dask.array as da

    if b is not None:
        raise NotImplementedError("logsumexp of a Dask array does not support the weights b")
    ndim = x.ndim
    x, axes, out_dtype, _, state = _prepare(x, axis, 1.0, where)

    def block(packed):
        return state_logsumexp(_unpack(packed)).astype(out_dtype)

    lse = da.map_blocks(block, state, dtype=out_dtype, meta=np.empty((0,) * x.ndim, out_dtype))
    if not keepdims:
        lse = lse.squeeze(axis=axes)
    elif ndim == 0:
        lse = lse.reshape(())
    if not return_sign:
        return lse
    sign = da.where(da.isnan(lse), np.nan, da.where(lse == -np.inf, 0.0, 1.0))
    return lse, sign.astype(out_dtype)
