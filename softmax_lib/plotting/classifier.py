"""Figures of the MNIST classifier: digits, weight images, confusion matrix,
reliability diagram, learning curves, one prediction (Chapter 5).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from softmax_lib.plotting.common import BAR_COLOR, HIGHLIGHT_COLOR, _new_axes, display_names
from softmax_lib.plotting.softmax import plot_probabilities

#: The class names of the ten MNIST digits, "0" to "9".
DIGITS = tuple(str(d) for d in range(10))
IMAGE_SHAPE = (28, 28)
WEIGHT_CMAP = "RdBu_r"  # diverging: red = positive (evidence for), blue = negative
#: The y-axis label of each ``SoftmaxRegression.history_`` entry: what exactly it holds.
METRIC_LABELS = {
    "loss": "mean cross-entropy (no penalty)",
    "objective": "cross-entropy + L2 penalty",
    "accuracy": "accuracy (fraction right)",
}


def _as_images(images, shape: tuple[int, int] = IMAGE_SHAPE) -> np.ndarray:
    """Return ``images`` as a float array of shape (n, height, width)."""
    images = np.asarray(images, dtype=float)
    if images.ndim == 1 or (images.ndim == 2 and images.shape == shape):
        images = images[None]
    if images.ndim == 2 and images.shape[1] == shape[0] * shape[1]:
        images = images.reshape(len(images), *shape)
    if images.ndim != 3 or images.shape[1:] != shape:
        raise ValueError(
            f"images must have shape (n, {shape[0] * shape[1]}) or (n, {shape[0]}, "
            f"{shape[1]}), got {images.shape}"
        )
    return images


def _montage(images: np.ndarray, n_cols: int, gap: int, gap_below: int):
    """Tile images into one array with NaN gaps; return it and each tile's (row, col)."""
    n, height, width = images.shape
    n_cols = max(1, min(n_cols, n))
    n_rows = -(-n // n_cols)
    pitch_y, pitch_x = height + gap + gap_below, width + gap
    canvas = np.full((n_rows * pitch_y - gap, n_cols * pitch_x - gap), np.nan)
    corners = []
    for k, image in enumerate(images):
        top, left = (k // n_cols) * pitch_y, (k % n_cols) * pitch_x
        canvas[top : top + height, left : left + width] = image
        corners.append((top, left))
    return canvas, corners


def a_digit(label) -> str:
    """``"a 7"``, but ``"an 8"``: the digit with its English article.

    Examples
    --------
    >>> a_digit(7), a_digit(8), a_digit(18)
    ('a 7', 'an 8', 'an 18')
    """
    text = str(label)
    spoken_with_vowel = text.startswith("8") or text in ("11", "18")
    return f"{'an' if spoken_with_vowel else 'a'} {text}"


def _image_axes(ax, title: str | None, xlabel: str | None = None):
    ax.set_xticks([])
    ax.set_yticks([])
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if title is not None:
        ax.set_title(title)
    return ax


def _cmap(name: str, bad: str = "white"):
    import matplotlib

    return matplotlib.colormaps[name].with_extremes(bad=bad)


def plot_digits(
    images,
    labels=None,
    *,
    predictions=None,
    n_cols: int = 10,
    ax=None,
    title: str | None = "sample digits",
):
    """Draw a grid of 28 x 28 grey-level images, each with its label under it.

    Parameters
    ----------
    images : array_like, shape (n, 784) or (n, 28, 28)
        Pixel values, 0 (white) to 1 (black ink); drawn as given.
    labels : array_like of int, shape (n,), optional
        The digit under each image.
    predictions : array_like of int, shape (n,), optional
        The model's answers; a wrong one is written in red as ``"label → prediction"``.
    n_cols : int, optional
        Images per row.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.images[0].get_array()`` is the tiled grid (NaN between the images);
        ``ax.texts`` are the labels, in image order.

    Raises
    ------
    ValueError
        If the images are not 28 x 28 or the labels do not match them.

    See Also
    --------
    softmax_lib.datasets.load_mnist : The images.

    Notes
    -----
    Chapter 5 shows the first training images of MNIST with it. The grey scale is
    fixed to [0, 1], the range of ``load_mnist()`` images.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> images = np.zeros((3, 784))
    >>> ax = plot_digits(images, labels=[7, 2, 1], predictions=[7, 2, 7])
    >>> ax.images[0].get_array().shape
    (36, 88)
    >>> [text.get_text() for text in ax.texts]
    ['7', '2', '1 → 7']
    """
    images = _as_images(images)
    n = len(images)
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values is not None and np.shape(values) != (n,):
            raise ValueError(f"{name} must have one entry per image ({n}), got {np.shape(values)}")
    if predictions is not None and labels is None:
        raise ValueError("predictions need labels")
    gap_below = 8 if labels is not None else 0
    canvas, corners = _montage(images, n_cols, gap=2, gap_below=gap_below)
    if ax is None:
        n_rows = canvas.shape[0] / 38
        ax = _new_axes((min(n, n_cols) * 0.62 + 0.4, n_rows * 0.75 + 0.5))
    ax.imshow(canvas, cmap=_cmap("gray_r"), vmin=0.0, vmax=1.0, interpolation="nearest")
    if labels is not None:
        for k, (top, left) in enumerate(corners):
            label = int(labels[k])
            wrong = predictions is not None and int(predictions[k]) != label
            text = f"{label} → {int(predictions[k])}" if wrong else str(label)
            ax.text(
                left + 13.5,
                top + 28 + 4,
                text,
                ha="center",
                va="center",
                fontsize=9,
                color=HIGHLIGHT_COLOR if wrong else "black",
            )
    ax.set_frame_on(False)
    return _image_axes(ax, title)


def plot_weight_images(
    coef,
    class_names: Sequence[str] | None = None,
    *,
    n_cols: int = 5,
    ax=None,
    title: str | None = "the weights of each class, as images",
    vmax: float | None = None,
    colorbar: bool = True,
):
    """Draw each class's weight vector as a 28 x 28 image on a diverging colour scale.

    Parameters
    ----------
    coef : array_like, shape (K, 784)
        The weights ``W`` (e.g. ``SoftmaxRegression.coef_``); row ``k`` is class ``k``.
    class_names : sequence of str, optional
        Class names written above the images (default ``"0"`` … ``"K-1"``: the
        digits for MNIST).
    n_cols : int, optional
        Images per row.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title.
    vmax : float, optional
        The colour scale runs from ``-vmax`` to ``vmax`` (default: the largest
        absolute weight), so white is exactly 0.
    colorbar : bool, optional
        Add a colour bar.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.images[0].get_array()`` is the tiled grid (NaN between the images).

    Raises
    ------
    ValueError
        If ``coef`` does not have 784 columns.

    Notes
    -----
    Chapter 5: the logit of class ``k`` is ``W[k] @ x + b[k]``, so a red pixel
    (positive weight) adds evidence for class ``k`` when it has ink, and a blue
    pixel (negative weight) takes evidence away.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> coef = np.zeros((2, 784))
    >>> coef[0, 0], coef[1, 783] = 1.0, -2.0
    >>> ax = plot_weight_images(coef, ["a", "b"])
    >>> grid = ax.images[0].get_array()
    >>> float(grid[7, 0]), float(grid[7 + 27, 30 + 27])  # 7 rows of space for the names
    (1.0, -2.0)
    >>> ax.images[0].get_clim()
    (-2.0, 2.0)
    """
    images = _as_images(coef)
    names = display_names(len(images), class_names)
    canvas, corners = _montage(images, n_cols, gap=2, gap_below=0)
    # room above every row for its class names
    pitch = IMAGE_SHAPE[0] + 2
    rows = [canvas[top : top + pitch] for top in range(0, canvas.shape[0], pitch)]
    spaced = np.vstack([np.vstack([np.full((7, canvas.shape[1]), np.nan), r]) for r in rows])
    if vmax is None:
        vmax = float(np.max(np.abs(images))) or 1.0
    if ax is None:
        n_rows = len(rows)
        ax = _new_axes((min(len(images), n_cols) * 1.15 + 1.2, n_rows * 1.3 + 0.6))
    image = ax.imshow(spaced, cmap=_cmap(WEIGHT_CMAP), vmin=-vmax, vmax=vmax)
    for k, (top, left) in enumerate(corners):
        row = top // pitch
        ax.text(left + 13.5, top + 7 * (row + 1) - 3.5, names[k], ha="center", va="center")
    if colorbar:
        ax.figure.colorbar(
            image, ax=ax, shrink=0.8, label="weight (red: evidence for, blue: against)"
        )
    ax.set_frame_on(False)
    return _image_axes(ax, title, xlabel="each image: 28 × 28 pixel weights")


def plot_confusion_matrix(
    confusion,
    class_names: Sequence[str] | None = None,
    *,
    ax=None,
    title: str | None = "confusion matrix",
    cmap: str = "Blues",
):
    """Draw a confusion matrix with the count written in every cell.

    Parameters
    ----------
    confusion : array_like of int, shape (K, K)
        ``confusion[i, j]``: samples of true class ``i`` predicted as ``j``, e.g. from
        ``softmax_lib.metrics.confusion_matrix``.
    class_names : sequence of str, optional
        Class names for both axes (default ``"0"`` … ``"K-1"``: the digits for
        MNIST).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title.
    cmap : str, optional
        A sequential colour map; the colours follow the square root of the counts, so
        that a handful of mistakes is still visible next to a diagonal of thousands.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.images[0].get_array()`` holds the counts; ``ax.texts[i * K + j]`` is
        the count of cell ``(i, j)``.

    Raises
    ------
    ValueError
        If ``confusion`` is not square.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_confusion_matrix([[5, 1], [0, 4]], ["no", "yes"])
    >>> [text.get_text() for text in ax.texts]
    ['5', '1', '0', '4']
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('predicted class', 'true class')
    """
    from matplotlib.colors import PowerNorm

    confusion = np.asarray(confusion)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]:
        raise ValueError(f"confusion must be square, got shape {confusion.shape}")
    k = confusion.shape[0]
    names = display_names(k, class_names)
    if ax is None:
        ax = _new_axes((0.5 * k + 1.2, 0.5 * k + 0.9))
    top = max(float(confusion.max()), 1.0)
    ax.imshow(confusion, cmap=cmap, norm=PowerNorm(0.5, vmin=0.0, vmax=top))
    for i in range(k):
        for j in range(k):
            count = confusion[i, j]
            dark = np.sqrt(count / top) > 0.55
            ax.text(
                j,
                i,
                f"{count}",
                ha="center",
                va="center",
                fontsize=8 if k > 5 else 10,
                color="white" if dark else ("black" if count else "#999999"),
            )
    ticks = np.arange(k)
    ax.set_xticks(ticks, names)
    ax.set_yticks(ticks, names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_reliability_diagram(
    curve,
    *,
    ax=None,
    title: str | None = "reliability diagram",
    ece: float | None = None,
    counts: bool = True,
):
    """Draw a reliability diagram: accuracy against confidence, bin by bin.

    Parameters
    ----------
    curve : ReliabilityCurve
        From :func:`softmax_lib.calibration.reliability_curve`: bin edges, and per bin
        the mean confidence, the accuracy and the count.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted. With ``counts``, ``ax``
        must be a subplot: its grid cell is split into the diagram (on ``ax``) and,
        below it, the counts.
    title : str or None, optional
        The Axes title.
    ece : float, optional
        An expected calibration error to print in the corner.
    counts : bool, optional
        Draw, under the diagram, how many samples fall into each bin (bars on a log
        scale, each with its count written above it): a bar of the diagram drawn
        from a handful of samples says little.

    Returns
    -------
    matplotlib.axes.Axes
        The diagram: ``ax.containers[0]`` holds one bar per non-empty bin, its height
        the bin's accuracy; ``ax.containers[1]`` the gaps from accuracy to mean
        confidence. With ``counts``, the counts panel is ``ax.count_axes``: its
        ``containers[0]`` has one bar per non-empty bin, its ``texts`` the counts.

    Raises
    ------
    ValueError
        If ``counts`` is asked for and ``ax`` is not a subplot.

    Notes
    -----
    Chapter 5. A calibrated model's bars reach the diagonal: among predictions made
    with confidence 0.8, 80% are right. Bars below it mean over-confidence, above it
    under-confidence. Empty bins are not drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from softmax_lib.calibration import reliability_curve
    >>> probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    >>> curve = reliability_curve(probs, [0, 1, 0, 0], n_bins=10)
    >>> ax = plot_reliability_diagram(curve)
    >>> [float(bar.get_height()) for bar in ax.containers[0]]
    [1.0, 0.5]
    >>> [text.get_text() for text in ax.count_axes.texts]
    ['2', '2']
    """
    edges = np.asarray(curve.bin_edges, dtype=float)
    confidence = np.asarray(curve.confidence, dtype=float)
    accuracy = np.asarray(curve.accuracy, dtype=float)
    count = np.asarray(curve.count)
    filled = count > 0
    left, width = edges[:-1][filled], np.diff(edges)[filled]
    if ax is None:
        ax = _new_axes((4.2, 5.6 if counts else 4.0))
    count_ax = None
    if counts:
        ax, count_ax = _split_rows(ax, (3.0, 1.25))
    ax.plot([0, 1], [0, 1], linestyle="--", color="gray", linewidth=1, label="calibrated")
    ax.bar(
        left,
        accuracy[filled],
        width=width,
        align="edge",
        color=BAR_COLOR,
        edgecolor="white",
        label="accuracy",
    )
    ax.bar(
        left,
        confidence[filled] - accuracy[filled],
        bottom=accuracy[filled],
        width=width,
        align="edge",
        color=HIGHLIGHT_COLOR,
        alpha=0.35,
        edgecolor=HIGHLIGHT_COLOR,
        label="gap to mean confidence",
    )
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_box_aspect(1.0)  # square: the diagonal at 45 degrees
    ax.set_xlabel("confidence (largest probability)")
    ax.set_ylabel("accuracy")
    ax.legend(loc="upper left", fontsize=8)
    if ece is not None:
        ax.text(0.97, 0.04, f"ECE = {ece:.4f}", ha="right", va="bottom", transform=ax.transAxes)
    if title is not None:
        ax.set_title(title)
    if count_ax is not None:
        _draw_bin_counts(count_ax, left, width, count[filled])
        count_ax.set_box_aspect(1.25 / 3.0)  # as wide as the diagram above it
    ax.count_axes = count_ax
    return ax


def _split_rows(ax, height_ratios: Sequence[float]) -> list:
    """Split ``ax``'s grid cell into stacked Axes; ``ax`` itself becomes the top one."""
    spec = ax.get_subplotspec()
    if spec is None:
        raise ValueError("ax must be a subplot (made by plt.subplots or add_subplot)")
    grid = spec.subgridspec(len(height_ratios), 1, height_ratios=height_ratios, hspace=0.05)
    ax.set_subplotspec(grid[0, 0])
    return [ax] + [ax.figure.add_subplot(grid[i, 0]) for i in range(1, len(height_ratios))]


def _draw_bin_counts(ax, left, width, counts) -> None:
    """Bars of the samples per bin on a log scale, each count written above its bar."""
    ax.bar(left, counts, width=width, align="edge", color="#7f7f7f", edgecolor="white")
    ax.set_yscale("log")
    top = max(float(np.max(counts, initial=1)), 1.0)
    ax.set_ylim(0.5, top * 60)  # room above the tallest bar for its count
    for x, n in zip(left + width / 2, counts, strict=True):
        ax.text(x, n * 1.3, f"{n:,}", ha="center", va="bottom", rotation=90, fontsize=8)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("confidence (largest probability)")
    ax.set_ylabel("count\n(log scale)")
    ax.set_title("how many in each bin", fontsize=10)


def plot_learning_curves(
    history,
    metric: str = "loss",
    *,
    ax=None,
    title: str | None = None,
):
    """Draw a training metric per epoch, on the training and the validation data.

    Parameters
    ----------
    history : dict of lists
        ``SoftmaxRegression.history_``: ``"epoch"``, ``metric`` and, if present,
        ``"val_" + metric``.
    metric : {"loss", "objective", "accuracy"}, optional
        What to draw: ``"loss"`` is the mean cross-entropy (no penalty) on the
        training and the validation data, ``"objective"`` the training cross-entropy
        plus the L2 penalty (what SGD minimises; there is no validation curve of it),
        ``"accuracy"`` the fraction right. The y axis says which.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title (default ``f"{metric} per epoch"``).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.lines[0]`` is the training curve, ``ax.lines[1]`` the validation curve.

    Raises
    ------
    ValueError
        If ``history`` has no ``metric``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> history = {"epoch": [0, 1], "loss": [2.3, 0.3], "val_loss": [2.3, 0.4]}
    >>> ax = plot_learning_curves(history, "loss")
    >>> [line.get_ydata().tolist() for line in ax.lines]
    [[2.3, 0.3], [2.3, 0.4]]
    >>> ax.get_title(), ax.get_ylabel()
    ('loss per epoch', 'mean cross-entropy (no penalty)')
    """
    if metric not in history:
        raise ValueError(f"history has no {metric!r}; it has {sorted(history)}")
    epochs = np.asarray(history["epoch"])
    if ax is None:
        ax = _new_axes((4.5, 3.0))
    ax.plot(epochs, history[metric], marker="o", color=BAR_COLOR, label="training")
    if f"val_{metric}" in history:
        ax.plot(
            epochs,
            history[f"val_{metric}"],
            marker="s",
            linestyle="--",
            color=HIGHLIGHT_COLOR,
            label="validation",
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel(METRIC_LABELS.get(metric, metric))
    ax.set_xticks(epochs)
    ax.legend()
    ax.grid(alpha=0.3)
    ax.set_title(f"{metric} per epoch" if title is None else title)
    return ax


def plot_digit(image, *, ax=None, title: str | None = "a digit"):
    """Draw one 28 x 28 grey-level image (0 white, 1 black).

    Parameters
    ----------
    image : array_like, shape (784,) or (28, 28)
        The pixels.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.images[0].get_array()`` is the 28 x 28 image.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_digit(np.eye(28), title="a diagonal stroke")
    >>> ax.images[0].get_array().shape
    (28, 28)
    """
    (image,) = _as_images(image)
    if ax is None:
        ax = _new_axes((2.2, 2.4))
    ax.imshow(image, cmap="gray_r", vmin=0.0, vmax=1.0)
    return _image_axes(ax, title, xlabel="28 × 28 pixels")


def plot_evidence_map(
    evidence,
    *,
    ax=None,
    title: str | None = "evidence map",
    vmax: float | None = None,
    colorbar: bool = True,
):
    """Draw per-pixel evidence ``W[c] * x`` as a 28 x 28 image on a diverging scale.

    Parameters
    ----------
    evidence : array_like, shape (784,) or (28, 28)
        Each pixel's contribution to a logit: the weight times the pixel value. Their
        sum plus the bias ``b[c]`` is the logit ``z_c``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title.
    vmax : float, optional
        The colour scale runs from ``-vmax`` to ``vmax`` (default: the largest absolute
        value), so white is exactly 0 (no ink, or a zero weight).
    colorbar : bool, optional
        Add a colour bar.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.images[0].get_array()`` is the 28 x 28 evidence.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> weights, pixels = np.linspace(-1, 1, 784), np.ones(784)
    >>> ax = plot_evidence_map(weights * pixels)
    >>> ax.images[0].get_clim()
    (-1.0, 1.0)
    """
    (evidence,) = _as_images(evidence)
    if vmax is None:
        vmax = float(np.max(np.abs(evidence))) or 1.0
    if ax is None:
        ax = _new_axes((2.8, 2.4))
    image = ax.imshow(evidence, cmap=WEIGHT_CMAP, vmin=-vmax, vmax=vmax)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, shrink=0.85, label="weight × pixel")
    return _image_axes(ax, title, xlabel="red: for, blue: against")


def _split(ax, width_ratios: Sequence[float], keep: int) -> list:
    """Split ``ax``'s grid cell into side-by-side Axes; ``ax`` itself becomes number ``keep``."""
    spec = ax.get_subplotspec()
    if spec is None:
        raise ValueError("ax must be a subplot (made by plt.subplots or add_subplot)")
    grid = spec.subgridspec(1, len(width_ratios), width_ratios=width_ratios, wspace=0.1)
    ax.set_subplotspec(grid[0, keep])
    return [
        ax if i == keep else ax.figure.add_subplot(grid[0, i]) for i in range(len(width_ratios))
    ]


def plot_prediction(
    image,
    probs,
    label: int | None = None,
    *,
    evidence=None,
    evidence_class: int | None = None,
    ax=None,
    title: str | None = None,
):
    """Draw a digit beside its predicted probabilities (and, optionally, an evidence map).

    Parameters
    ----------
    image : array_like, shape (784,) or (28, 28)
        The digit.
    probs : array_like, shape (10,)
        The model's probabilities for the ten digits.
    label : int, optional
        The true digit: its bar is drawn in a second colour, and the digit's title
        says whether the prediction (the tallest bar) is right.
    evidence : array_like, shape (784,), optional
        Per-pixel evidence ``W[c] * x``, drawn in a third panel.
    evidence_class : int, optional
        The class ``c`` of the evidence, for its title (default: the prediction).
    ax : matplotlib.axes.Axes, optional
        Where to draw: its grid cell is split into the panels. A new figure is
        created if omitted.
    title : str or None, optional
        The title of the bar chart (default ``"probabilities"``).

    Returns
    -------
    matplotlib.axes.Axes
        The bar chart (``ax`` itself, moved to the middle of its cell); ``ax.patches``
        are the bars, in digit order. The digit and the evidence are on their own Axes
        in ``ax.figure.axes``.

    Raises
    ------
    ValueError
        If ``probs`` does not have 10 entries, or ``ax`` is not a subplot.

    See Also
    --------
    plot_probabilities, plot_digit, plot_evidence_map : The panels.
    softmax_lib.widgets.mnist_explorer : The interactive version.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> probs = np.full(10, 0.02)
    >>> probs[3], probs[5] = 0.5, 0.34
    >>> ax = plot_prediction(np.zeros(784), probs, label=5)
    >>> [round(float(bar.get_height()), 2) for bar in ax.patches][3:6]
    [0.5, 0.02, 0.34]
    >>> ax.figure.axes[1].get_title()
    'a 5, predicted 3'
    """
    probs = np.asarray(probs, dtype=float)
    if probs.shape != (10,):
        raise ValueError(f"probs must have 10 entries (one per digit), got shape {probs.shape}")
    if ax is None:
        width = 7.8 if evidence is not None else 5.0
        ax = _new_axes((width, 2.2))
    ratios = (1.0, 2.2, 1.25) if evidence is not None else (1.0, 2.2)
    digit_ax, bars_ax, *rest = _split(ax, ratios, keep=1)
    predicted = int(np.argmax(probs))
    if label is None:
        digit_title = f"predicted {predicted}"
    elif predicted == int(label):
        digit_title = f"{a_digit(label)}, predicted {predicted} ✓"
    else:
        digit_title = f"{a_digit(label)}, predicted {predicted}"
    plot_digit(image, ax=digit_ax, title=digit_title)
    digit_ax.title.set_fontsize(10)
    plot_probabilities(
        probs,
        DIGITS,
        ax=bars_ax,
        title="probabilities" if title is None else title,
        xlabel="digit" + ("" if label is None else " (the true one in red)"),
        show_values=False,
        highlight=None if label is None else int(label),
    )
    # the winning probability, written beside its bar (inside the axes, never on the bar)
    top = bars_ax.patches[predicted]
    right_side = predicted < len(probs) - 1
    bars_ax.text(
        top.get_x() + (top.get_width() + 0.1 if right_side else -0.1),
        min(top.get_height(), 0.92),
        f"{probs[predicted]:.3f}",
        ha="left" if right_side else "right",
        va="top",
        fontsize=8,
    )
    if label is not None:
        tick = bars_ax.get_xticklabels()[int(label)]
        tick.set_color(HIGHLIGHT_COLOR)
        tick.set_fontweight("bold")
    if evidence is not None:
        c = predicted if evidence_class is None else int(evidence_class)
        plot_evidence_map(evidence, ax=rest[0], title=f"evidence for {c}", colorbar=False)
    return bars_ax
