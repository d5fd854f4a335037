"""The explorers of Chapter 6 (Softmax at scale): the online softmax block by block,
and the memory of direct against tiled attention.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from softmax_lib.widgets.framework import Control, Explorer, _explorer_logits

# Sixteen logits whose maximum grows four times as they are read two by two.
DEFAULT_ONLINE_LOGITS = (
    0.5, -0.4, 1.6, 0.2, -1.0, 0.9, 3.1, 1.4,
    2.0, -0.6, 0.3, 2.7, 4.2, 1.1, -0.2, 3.5,
)  # fmt: skip
DEFAULT_SEQUENCE_LENGTHS = (512, 1024, 2048, 4096, 8192)
DEFAULT_BLOCK_SIZES = (64, 128, 256)


def online_states(logits, block_size):
    """The running states after 0, 1, ..., n blocks of ``logits``.

    Returns a list of ``(max, scaled_sum, rescale)`` floats, one per number of
    blocks read, computed with :func:`softmax_lib.softmax_state` and
    :func:`softmax_lib.merge_states`; ``rescale`` is :math:`e^{m_{old} - m}`, the
    factor the last block applied to the old sum (1 when the maximum did not grow).
    """
    from softmax_lib.online import merge_states, softmax_state

    logits = np.asarray(logits, dtype=float)
    state = softmax_state(logits[:0])
    rows = [(float(state.max[0]), float(state.scaled_sum[0]), 1.0)]
    for start in range(0, logits.size, block_size):
        new = merge_states(state, softmax_state(logits[start : start + block_size]))
        old_max, new_max = float(state.max[0]), float(new.max[0])
        rescale = 1.0 if old_max == new_max else float(np.exp(old_max - new_max))
        state = new
        rows.append((new_max, float(state.scaled_sum[0] + state.error[0]), rescale))
    return rows


def online_softmax_explorer(
    logits: Sequence[float] = DEFAULT_ONLINE_LOGITS,
    *,
    block_size: int = 2,
    blocks: int = 1,
) -> Explorer:
    r"""A slider over the blocks of a row: watch the online softmax's state change.

    Each position reads one more block of ``block_size`` logits and merges its
    state into the running one: the running maximum :math:`m`, the running sum
    :math:`s = \sum_j e^{x_j - m}` over what has been read, and the factor
    :math:`e^{m_\text{old} - m}` by which the old sum was rescaled when the
    maximum grew. After the last block, :math:`m + \log s` is the log-sum-exp
    of the row.

    Parameters
    ----------
    logits : sequence of float, optional
        The row (default: 16 logits whose maximum grows four times).
    block_size : int, optional
        Entries per block (default 2).
    blocks : int, optional
        The starting number of blocks read (default 1).

    Returns
    -------
    Explorer
        Its ``result`` holds ``max``, ``scaled_sum``, ``rescale``,
        ``previous_max`` (after ``blocks - 1`` blocks), ``seen`` (entries read)
        and, after the last block, ``logsumexp`` (:math:`m + \log s`) and
        ``reference`` (:func:`softmax_lib.logsumexp` of the row).

    Raises
    ------
    ValueError
        If there are fewer than 2 logits, the block size is not positive, or
        there are more than 63 blocks (one frame per position on the website).

    See Also
    --------
    softmax_lib.plotting.plot_online_step : the figure.
    softmax_lib.merge_states : the merge of two states.

    Notes
    -----
    Chapter 6 (Softmax at scale), Section 1. On the website each position of
    the slider is one pre-rendered frame.

    Examples
    --------
    >>> explorer = online_softmax_explorer(blocks=4)
    >>> explorer.result["max"], explorer.result["rescale"] == 1.0
    (3.1, False)
    >>> explorer.set(blocks=8).result["logsumexp"] == explorer.result["reference"]
    True
    """
    logits = np.array(_explorer_logits(logits, "an online softmax explorer"))
    block_size = int(block_size)
    if block_size < 1:
        raise ValueError("block_size must be positive")
    n_blocks = -(-logits.size // block_size)
    if n_blocks + 1 > 64:
        raise ValueError("too many blocks for the website's frames: use a larger block_size")
    rows = online_states(logits, block_size)

    def compute(settings):
        from softmax_lib.core import logsumexp

        t = settings["blocks"]
        m, s, rescale = rows[t]
        result = {
            "max": m,
            "scaled_sum": s,
            "rescale": rescale,
            "previous_max": rows[t - 1][0] if t > 0 else -np.inf,
            "seen": min(logits.size, t * block_size),
        }
        if t == n_blocks:
            result["logsumexp"] = float(m + np.log(s))
            result["reference"] = float(logsumexp(logits))
        return result

    def draw(ax, settings, result, title, gid_prefix):
        from softmax_lib.plotting import plot_online_step

        return plot_online_step(
            logits,
            block_size,
            settings["blocks"],
            result["max"],
            result["scaled_sum"],
            result["rescale"],
            previous_max=result["previous_max"],
            ax=ax,
            title=title,
            gid_prefix=gid_prefix,
        )

    def readout(settings, result):
        t = settings["blocks"]
        if t == 0:
            return "nothing read yet: m = -inf, s = 0 (the empty state)"
        text = (
            f"after {t} of {n_blocks} blocks ({result['seen']} entries): "
            f"m = {result['max']:.4g}, s = {result['scaled_sum']:.4f}, "
            f"rescale exp(m_old - m) = {result['rescale']:.4f}"
        )
        if t == n_blocks:
            text += f"; m + log s = {result['logsumexp']:.6f} = logsumexp of the row"
        return text

    return Explorer(
        kind="online",
        heading="Read the row block by block: the running max, the running sum, the rescaling",
        controls=[Control("blocks", "blocks read", tuple(range(n_blocks + 1)), int(blocks))],
        compute=compute,
        draw=draw,
        title=f"online softmax: {{blocks}} of {n_blocks} blocks read",
        readout=readout,
        static="frames",
        figure_kind="Bar chart of the logits, blocks read so far highlighted",
        figsize=(6.0, 3.4),
        params={"logits": logits.tolist(), "block_size": block_size},
    )


def tiled_memory_explorer(
    n: int = 2048,
    block_size: int = 64,
    *,
    d_v: int = 64,
    ns: Sequence[int] = DEFAULT_SEQUENCE_LENGTHS,
    block_sizes: Sequence[int] = DEFAULT_BLOCK_SIZES,
) -> Explorer:
    r"""Sequence length N and block size B against memory: direct and tiled attention.

    Parameters
    ----------
    n : int, optional
        The starting sequence length (queries = keys; default 2048).
    block_size : int, optional
        The starting tile size B (default 64).
    d_v : int, optional
        Width of the values and output (default 64).
    ns, block_sizes : sequence of int, optional
        The positions of the two sliders.

    Returns
    -------
    Explorer
        Its ``result`` holds ``direct`` and ``tiled`` (bytes at the current
        N and B, from :func:`softmax_lib.attention.working_memory`),
        ``ratio`` (direct / tiled), and the curves ``direct_curve`` and
        ``tiled_curve`` over every N.

    Raises
    ------
    ValueError
        If ``n`` or ``block_size`` is not one of the positions.

    See Also
    --------
    softmax_lib.plotting.plot_attention_memory : the figure.
    softmax_lib.attention.working_memory : the model of the memory.

    Notes
    -----
    Chapter 6 (Softmax at scale), Section 4. The curves are the model of
    :func:`~softmax_lib.attention.working_memory` (the chapter checks it
    against ``tracemalloc``); the y axis is fixed so that frames compare.

    Examples
    --------
    >>> explorer = tiled_memory_explorer(4096, 128)
    >>> print(explorer.result["direct"] / 2**20, explorer.result["tiled"] / 2**20)
    258.0 3.25
    """
    from softmax_lib.attention import working_memory

    ns = tuple(int(v) for v in ns)
    block_sizes = tuple(int(v) for v in block_sizes)
    grid = np.array(ns, dtype=float)
    direct_curve = working_memory(grid, d_v=d_v)
    low = float(min(working_memory(grid, d_v=d_v, block_size=min(block_sizes))))
    high = float(max(direct_curve))
    ylim = (low / 2, high * 4)

    def compute(settings):
        size, b = settings["n"], settings["block"]
        direct = working_memory(size, d_v=d_v)
        tiled = working_memory(size, d_v=d_v, block_size=b)
        return {
            "direct": direct,
            "tiled": tiled,
            "ratio": direct / tiled,
            "direct_curve": direct_curve,
            "tiled_curve": working_memory(grid, d_v=d_v, block_size=b),
        }

    def draw(ax, settings, result, title, gid_prefix):
        from softmax_lib.plotting import plot_attention_memory

        return plot_attention_memory(
            grid,
            result["direct_curve"],
            result["tiled_curve"],
            current=settings["n"],
            ylim=ylim,
            ax=ax,
            title=title,
        )

    def readout(settings, result):
        mib = 2.0**20
        return (
            f"N = {settings['n']}, B = {settings['block']}: direct "
            f"{result['direct'] / mib:.1f} MiB, tiled {result['tiled'] / mib:.2f} MiB "
            f"({result['ratio']:.0f} times less)"
        )

    return Explorer(
        kind="tiled_memory",
        heading="Sequence length and tile size against memory: direct and tiled attention",
        controls=[
            Control("n", "sequence length N", ns, int(n), fmt="{:d}"),
            Control("block", "tile size B", block_sizes, int(block_size), fmt="{:d}"),
        ],
        compute=compute,
        draw=draw,
        title="attention memory, N = {n}, B = {block}",
        readout=readout,
        static="frames",
        figure_kind="Log-log plot of working memory against N for direct and tiled attention",
        figsize=(6.0, 3.4),
        params={"d_v": d_v},
    )
