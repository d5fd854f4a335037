"""The MNIST explorer of Chapter 5: a test image, its probability bars and evidence map."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from softmax_lib.widgets.framework import MAX_FRAMES, Control, Explorer


def _pick_images(probs: np.ndarray, labels: np.ndarray, n_images: int) -> list[tuple[int, str]]:
    """Choose ``n_images`` instructive images: right ones, hesitations, confident mistakes."""
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    top_two = np.sort(probs, axis=1)[:, -2:]
    margin = top_two[:, 1] - top_two[:, 0]
    wrong = np.flatnonzero(predicted != labels)
    n_wrong = min(round(0.3 * n_images), wrong.size)
    n_unsure = n_images // 5
    chosen: dict[int, str] = {}
    for i in wrong[np.argsort(-confidence[wrong], kind="stable")][:n_wrong]:
        chosen[int(i)] = "wrong"
    unsure = [int(i) for i in np.argsort(margin, kind="stable") if int(i) not in chosen]
    for i in unsure[:n_unsure]:
        chosen[int(i)] = "hesitant"
    right = [int(i) for i in np.flatnonzero(predicted == labels) if int(i) not in chosen]
    n_right = n_images - len(chosen)
    # the first correct image of every class, then the next ones in order
    firsts = [next((i for i in right if labels[i] == c), None) for c in range(probs.shape[1])]
    ordered = [i for i in firsts if i is not None]
    ordered += [i for i in right if i not in set(ordered)]
    picks = [(i, "right") for i in ordered[:n_right]]
    by_kind = {"hesitant": [], "wrong": []}
    for i, kind in chosen.items():
        by_kind[kind].append((i, kind))
    return picks + by_kind["hesitant"] + by_kind["wrong"]


def mnist_explorer(
    model,
    images,
    labels,
    *,
    indices: Sequence[int] | None = None,
    n_images: int = 20,
) -> Explorer:
    """Pick an image from a dropdown: see the digit, its probabilities and its evidence map.

    Parameters
    ----------
    model : SoftmaxRegression
        A fitted model of 10 classes on 784 pixels (it needs ``predict_proba``,
        ``decision_function``, ``coef_`` and ``intercept_``).
    images : array_like, shape (n, 784)
        The images to choose from, e.g. the MNIST test set (pixels in [0, 1]).
    labels : array_like of int, shape (n,)
        Their true digits.
    indices : sequence of int, optional
        Which images the dropdown offers, each named by its index and true digit,
        e.g. ``"image 3: a 0"``. Default: ``n_images`` chosen by a fixed rule and
        named by kind too: correctly classified ones, ``"image 3: a 0 (right)"`` (the
        first of each digit, then the next in order); the images whose two largest
        probabilities are closest, ``"(hesitant)"`` (20%); and the most confident
        mistakes, ``"(wrong)"`` (30%).
    n_images : int, optional
        How many images to choose when ``indices`` is not given (default 20). On the
        website every choice is one pre-rendered frame (at most ``MAX_FRAMES``).

    Returns
    -------
    Explorer
        Its ``result`` holds, for the chosen image, ``probs`` (``model.predict_proba``),
        ``logits``, the ``predicted`` class, the ``evidence`` map ``W[c] * x`` for that
        class, and its ``bias`` ``b[c]``.

    Raises
    ------
    ValueError
        If the model does not have 10 classes on 784 pixels, the shapes do not match,
        or more than ``MAX_FRAMES`` images are asked for.

    See Also
    --------
    softmax_lib.plotting.plot_prediction : The figure.

    Notes
    -----
    Chapter 5, "Try it". The logit of class ``c`` is the sum of the evidence map plus
    the bias, ``z_c = sum_j W[c, j] x_j + b[c]``: red pixels have ink where the weights
    count it as evidence for ``c``, blue ones where they count it against.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.regression import SoftmaxRegression
    >>> rng = np.random.default_rng(0)
    >>> images, labels = rng.random((200, 784)), np.arange(200) % 10
    >>> model = SoftmaxRegression(n_epochs=2, progress=False).fit(images, labels)
    >>> explorer = mnist_explorer(model, images, labels, indices=[0, 1])
    >>> explorer.controls[0].values
    ('image 0: a 0', 'image 1: a 1')
    >>> explorer.title()
    'test image 0: a 0'
    >>> bool(np.allclose(explorer.result["probs"], model.predict_proba(images[:1])[0]))
    True
    """
    images = np.asarray(images, dtype=np.float32)
    labels = np.asarray(labels)
    if images.ndim != 2 or images.shape[1] != 784 or labels.shape != (len(images),):
        raise ValueError(
            f"images must have shape (n, 784) and labels (n,), got {images.shape} and "
            f"{labels.shape}"
        )
    coef = np.asarray(model.coef_)
    if coef.shape != (10, 784):
        raise ValueError(f"the model must have 10 classes on 784 pixels, got {coef.shape}")
    if indices is None:
        picks = _pick_images(model.predict_proba(images), labels, n_images)
    else:
        picks = [(int(i), "") for i in indices]
    if not picks:
        raise ValueError("no images to choose from")
    if len(picks) > MAX_FRAMES:
        raise ValueError(f"{len(picks)} images is more than {MAX_FRAMES} frames (page weight)")
    from softmax_lib.plotting.classifier import a_digit

    names = {}
    for i, kind in picks:  # "image 3: a 0 (right)": the index, the true digit, the kind
        name = f"image {i}: {a_digit(int(labels[i]))}"
        names[f"{name} ({kind})" if kind else name] = i
    values = tuple(names)
    # The model's logits of each image, computed as compute() does: the browser tests
    # check that the page shows softmax_lib's probabilities of exactly these.
    image_logits = {name: model.decision_function(images[i][None])[0] for name, i in names.items()}

    def compute(settings):
        index = names[settings["image"]]
        x = images[index]
        logits = model.decision_function(x[None])[0]
        probs = model.predict_proba(x[None])[0]
        predicted = int(np.argmax(probs))
        return {
            "index": index,
            "label": int(labels[index]),
            "logits": logits,
            "probs": probs,
            "predicted": predicted,
            "evidence": coef[predicted] * x,
            "bias": float(np.asarray(model.intercept_)[predicted]),
        }

    def draw(ax, settings, result, title, gid_prefix):
        from softmax_lib.plotting import plot_prediction

        return plot_prediction(
            images[result["index"]],
            result["probs"],
            result["label"],
            evidence=result["evidence"],
            ax=ax,
            title=title,
        )

    def readout(settings, result):
        c = result["predicted"]
        probs = ", ".join(f"{p:.3f}" for p in result["probs"])
        pixels = float(np.sum(result["evidence"], dtype=np.float64))
        sign = "-" if result["bias"] < 0 else "+"
        return (
            f"p(0..9) = ({probs}); predicted {c} with p = {result['probs'][c]:.3f}; "
            f"logit z{c} = {pixels:.2f} (pixels) {sign} {abs(result['bias']):.2f} (bias) = "
            f"{result['logits'][c]:.2f}"
        )

    return Explorer(
        kind="mnist",
        heading="Pick a test image: the model's probabilities and the evidence behind them",
        controls=[Control("image", "test image", values, values[0], kind="dropdown", fmt="{}")],
        compute=compute,
        draw=draw,
        title="test {image}",
        readout=readout,
        static="frames",
        figure_kind="A digit, a bar chart of its ten probabilities and its evidence map",
        figsize=(8.4, 2.6),
        params={
            "logits": {name: z.tolist() for name, z in image_logits.items()},
            "dtype": str(next(iter(image_logits.values())).dtype),
        },
    )
