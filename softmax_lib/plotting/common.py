"""What every figure of the book shares: colours, a new Axes, class names."""

from __future__ import annotations

from collections.abc import Sequence

BAR_COLOR = "#3b75af"  # matplotlib's C0, darkened for contrast on white (WCAG AA)
HIGHLIGHT_COLOR = "#c0392b"


def _new_axes(figsize: tuple[float, float]):
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def display_names(n_classes: int, class_names: Sequence[str] | None = None) -> list[str]:
    """Return ``class_names`` as a list, or the default names ``"0"`` … ``"K-1"``.

    The book numbers classes from 0, as the code and the MNIST digits do (see the
    notation page): class ``i`` is ``probs[i]``, and its default name is ``str(i)``,
    whatever the number of classes.

    Parameters
    ----------
    n_classes : int
        The number of classes ``K``.
    class_names : sequence of str, optional
        Names of the classes; must have ``n_classes`` entries.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        If ``class_names`` does not have ``n_classes`` entries.

    Examples
    --------
    >>> display_names(3)
    ['0', '1', '2']
    >>> display_names(2, ["cat", "dog"])
    ['cat', 'dog']
    """
    if class_names is None:
        return [str(i) for i in range(n_classes)]
    names = [str(name) for name in class_names]
    if len(names) != n_classes:
        raise ValueError(f"got {len(names)} class names for {n_classes} classes")
    return names
