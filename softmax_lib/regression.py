r"""Softmax regression (multinomial logistic regression), trained with minibatch SGD.

The model of Chapter 5 (Softmax regression on MNIST): the evidence for class
:math:`i` is a weighted sum of the input features plus a bias,
:math:`z_i = w_i \cdot x + b_i`, and the predicted probabilities are
:math:`\hat y = \operatorname{softmax}(W x + b)`. It is trained by minimising the
mean cross-entropy plus an L2 penalty :math:`\tfrac{\lambda}{2}\lVert W\rVert^2`
with minibatch stochastic gradient descent, using the gradient
:math:`\partial L / \partial W = (\hat y - y)\, x^\top`.

The interface follows scikit-learn's: ``fit`` returns the model, and
``predict_proba``, ``predict``, ``score`` and ``decision_function`` work on a
2-D array of samples.
"""

from __future__ import annotations

import math
import time

import numpy as np

from softmax_lib.core import log_softmax, softmax

__all__ = ["SoftmaxRegression"]


class SoftmaxRegression:
    r"""Softmax regression classifier trained with minibatch SGD and momentum.

    Parameters
    ----------
    learning_rate : float, default 0.5
        Initial step size of SGD. It decays to 0 along a cosine over the
        epochs (``schedule="cosine"``) or stays constant (``"constant"``).
    n_epochs : int, default 10
        Passes over the training set.
    batch_size : int, default 256
        Samples per SGD step.
    momentum : float, default 0.9
        Heavy-ball momentum in [0, 1).
    l2 : float, default 1e-4
        Strength :math:`\lambda` of the L2 penalty
        :math:`\tfrac{\lambda}{2}\lVert W\rVert^2` on the weights (not the biases).
    schedule : {"cosine", "constant"}, default "cosine"
        The learning-rate schedule.
    random_state : int, default 0
        Seed of the minibatch shuffling; the same seed gives the same model.
    progress : bool, default True
        Show a progress bar during ``fit`` (tqdm's notebook-aware bar, if tqdm is
        installed); False trains silently.

    Attributes
    ----------
    coef_ : ndarray of shape (n_classes, n_features)
        The weights :math:`W`; row :math:`i` is the evidence each feature gives
        for class :math:`i` (float32).
    intercept_ : ndarray of shape (n_classes,)
        The biases :math:`b` (float32).
    classes_ : ndarray of shape (n_classes,)
        The class labels ``0, 1, ..., n_classes - 1``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    history_ : dict of lists
        Per epoch: ``"epoch"``, ``"loss"`` and ``"accuracy"`` on the training set
        (mean cross-entropy including the penalty, and accuracy), and
        ``"val_loss"`` and ``"val_accuracy"`` when validation data is given;
        ``"seconds"`` is the cumulative training time.

    Raises
    ------
    ValueError
        From the constructor, for a hyper-parameter out of range; from ``fit`` and
        the prediction methods, for bad input (wrong shape, NaN or infinity, labels
        that are not integers in ``[0, n_classes)``, a feature-count mismatch, or
        prediction before ``fit``).

    See Also
    --------
    softmax_lib.datasets.load_mnist : The data of Chapter 5.

    Notes
    -----
    Every step takes a minibatch :math:`X_B` with one-hot labels :math:`Y_B`,
    computes the probabilities :math:`P = \operatorname{softmax}(X_B W^\top + b)`
    and the gradient of the mean cross-entropy,
    :math:`G_W = (P - Y_B)^\top X_B / |B| + \lambda W` and
    :math:`G_b = \mathbf{1}^\top (P - Y_B) / |B|`, then updates
    :math:`V \leftarrow \mu V - \eta_t G` and :math:`W \leftarrow W + V`.
    Everything is float32. The weights start at zero (the loss is convex, so
    no symmetry needs breaking) and the shuffling is seeded by
    ``random_state``, so training is reproducible.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)).astype(np.float32)
    >>> noisy_sum = X[:, 0] + X[:, 1] + 0.3 * rng.normal(size=300)
    >>> y = np.digitize(noisy_sum, [-1.0, 1.0])  # three classes: 0, 1, 2
    >>> model = SoftmaxRegression(n_epochs=20, progress=False).fit(X, y)
    >>> model.coef_.shape, model.intercept_.shape
    ((3, 2), (3,))
    >>> print(round(model.score(X, y), 2))
    0.93
    >>> model.predict_proba(X[:2]).sum(axis=1).round(6)
    array([1., 1.], dtype=float32)
    """

    def __init__(
        self,
        *,
        learning_rate: float = 0.5,
        n_epochs: int = 10,
        batch_size: int = 256,
        momentum: float = 0.9,
        l2: float = 1e-4,
        schedule: str = "cosine",
        random_state: int = 0,
        progress: bool = True,
    ):
        checks = {
            "learning_rate": math.isfinite(learning_rate) and learning_rate > 0,
            "n_epochs": isinstance(n_epochs, int) and n_epochs >= 1,
            "batch_size": isinstance(batch_size, int) and batch_size >= 1,
            "momentum": 0 <= momentum < 1,
            "l2": math.isfinite(l2) and l2 >= 0,
            "schedule": schedule in ("cosine", "constant"),
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            values = {
                "learning_rate": learning_rate,
                "n_epochs": n_epochs,
                "batch_size": batch_size,
                "momentum": momentum,
                "l2": l2,
                "schedule": schedule,
            }
            detail = ", ".join(f"{name}={values[name]!r}" for name in bad)
            raise ValueError(
                f"invalid hyper-parameter(s): {detail} (learning_rate must be positive and"
                " finite, n_epochs and batch_size positive integers, momentum in [0, 1),"
                " l2 >= 0, schedule 'cosine' or 'constant')"
            )
        self.learning_rate = learning_rate
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.momentum = momentum
        self.l2 = l2
        self.schedule = schedule
        self.random_state = random_state
        self.progress = progress

    def __repr__(self) -> str:
        return (
            f"SoftmaxRegression(learning_rate={self.learning_rate}, n_epochs={self.n_epochs},"
            f" batch_size={self.batch_size}, momentum={self.momentum}, l2={self.l2},"
            f" schedule={self.schedule!r}, random_state={self.random_state})"
        )

    # --- Training --------------------------------------------------------------------------

    def fit(
        self, X, y, *, X_val=None, y_val=None, n_classes=None, callback=None
    ) -> SoftmaxRegression:
        """Train on ``X`` (n_samples, n_features) with integer labels ``y``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Training inputs (converted to float32).
        y : array_like of shape (n_samples,)
            Class labels, integers ``0 .. n_classes - 1``.
        X_val, y_val : array_like, optional
            Validation data, evaluated after each epoch into ``history_``.
        n_classes : int, optional
            Number of classes; default ``max(y) + 1``.
        callback : callable, optional
            Called as ``callback(model)`` after every epoch, once ``history_`` holds
            that epoch (e.g. to redraw a live learning curve). Its return value is
            ignored.

        Returns
        -------
        SoftmaxRegression
            The fitted model (``self``).
        """
        X = _check_X(X, "X")
        n_samples, n_features = X.shape
        n_classes = _infer_n_classes(y, n_classes)
        y = _check_labels(y, n_samples, n_classes, "y")
        validation = None
        if (X_val is None) != (y_val is None):
            raise ValueError("give both X_val and y_val, or neither")
        if X_val is not None:
            X_val = _check_X(X_val, "X_val", n_features)
            validation = (X_val, _check_labels(y_val, len(X_val), n_classes, "y_val"))

        W = np.zeros((n_classes, n_features), dtype=np.float32)
        b = np.zeros(n_classes, dtype=np.float32)
        velocity_W = np.zeros_like(W)
        velocity_b = np.zeros_like(b)
        rng = np.random.default_rng(self.random_state)
        steps_per_epoch = math.ceil(n_samples / self.batch_size)
        total_steps = steps_per_epoch * self.n_epochs
        l2 = np.float32(self.l2)
        momentum = np.float32(self.momentum)
        self.coef_, self.intercept_ = W, b
        self.classes_ = np.arange(n_classes)
        self.n_features_in_ = n_features
        self.history_ = {key: [] for key in ("epoch", "loss", "accuracy", "seconds")}
        if validation is not None:
            self.history_.update(val_loss=[], val_accuracy=[])

        bar = _progress_bar(self.n_epochs, self.progress)
        start = time.perf_counter()
        step = 0
        for epoch in range(1, self.n_epochs + 1):
            order = rng.permutation(n_samples)
            for first in range(0, n_samples, self.batch_size):
                batch = order[first : first + self.batch_size]
                X_batch = X[batch]
                # Forward: probabilities; backward: P - Y, averaged over the batch.
                residual = softmax(X_batch @ W.T + b)
                residual[np.arange(len(batch)), y[batch]] -= 1.0
                residual /= np.float32(len(batch))
                grad_W = residual.T @ X_batch
                grad_W += l2 * W
                rate = np.float32(self._rate(step, total_steps))
                velocity_W *= momentum
                velocity_W -= rate * grad_W
                velocity_b *= momentum
                velocity_b -= rate * residual.sum(axis=0)
                W += velocity_W
                b += velocity_b
                step += 1
            self._record(epoch, X, y, validation, time.perf_counter() - start)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{self.history_['loss'][-1]:.4f}")
            if callback is not None:
                callback(self)
        if bar is not None:
            bar.close()
        return self

    def _rate(self, step: int, total_steps: int) -> float:
        if self.schedule == "constant":
            return self.learning_rate
        return 0.5 * self.learning_rate * (1.0 + math.cos(math.pi * step / total_steps))

    def _record(self, epoch, X, y, validation, seconds) -> None:
        penalty = 0.5 * self.l2 * float(np.sum(self.coef_.astype(np.float64) ** 2))
        loss, accuracy = self._loss_and_accuracy(X, y)
        self.history_["epoch"].append(epoch)
        self.history_["loss"].append(loss + penalty)
        self.history_["accuracy"].append(accuracy)
        self.history_["seconds"].append(seconds)
        if validation is not None:
            val_loss, val_accuracy = self._loss_and_accuracy(*validation)
            self.history_["val_loss"].append(val_loss + penalty)
            self.history_["val_accuracy"].append(val_accuracy)

    def _loss_and_accuracy(self, X, y) -> tuple[float, float]:
        logits = X @ self.coef_.T + self.intercept_
        log_probs = log_softmax(logits)
        loss = -float(np.mean(log_probs[np.arange(len(y)), y], dtype=np.float64))
        accuracy = float(np.mean(logits.argmax(axis=1) == y))
        return loss, accuracy

    # --- Prediction ------------------------------------------------------------------------

    def decision_function(self, X) -> np.ndarray:
        """Return the logits :math:`X W^\\top + b`, shape (n_samples, n_classes)."""
        self._check_fitted()
        X = _check_X(X, "X", self.n_features_in_)
        return X @ self.coef_.T + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        """Return the class probabilities ``softmax(decision_function(X))``."""
        return softmax(self.decision_function(X))

    def predict(self, X) -> np.ndarray:
        """Return the most probable class of each sample."""
        return self.decision_function(X).argmax(axis=1)

    def score(self, X, y) -> float:
        """Return the accuracy: the fraction of samples whose class is predicted right."""
        self._check_fitted()
        predictions = self.predict(X)
        y = _check_labels(y, len(predictions), len(self.classes_), "y")
        return float(np.mean(predictions == y))

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise ValueError("this SoftmaxRegression is not fitted yet: call fit(X, y) first")


# --- Input checks ---------------------------------------------------------------------------


def _check_X(X, name: str, n_features: int | None = None) -> np.ndarray:
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got dtype {X.dtype}")
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {X.shape}")
    if len(X) == 0:
        raise ValueError(f"{name} has no samples")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but the model was fitted with {n_features}"
        )
    X = X.astype(np.float32, copy=False)
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or infinity")
    return X


def _infer_n_classes(y, n_classes) -> int:
    if n_classes is not None:
        if not isinstance(n_classes, int | np.integer) or n_classes < 2:
            raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
        return int(n_classes)
    y = np.asarray(y)
    if y.size == 0 or y.dtype.kind not in "iu":
        return 2  # _check_labels reports the actual problem
    return max(int(y.max()) + 1, 2)


def _check_labels(y, n_samples: int, n_classes: int, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        y = y.astype(np.int64)  # 3.0 is the integer 3
    if y.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if y.shape != (n_samples,):
        raise ValueError(f"{name} must have shape ({n_samples},) to match X, got {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"{name} has labels outside 0..{n_classes - 1}: found {int(y.min())}..{int(y.max())}"
        )
    return y.astype(np.int64, copy=False)


def _progress_bar(total: int, enabled: bool):
    """tqdm's notebook-aware bar, or None when disabled or tqdm is not installed."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # the bar is a convenience; training works without it
        return None
    options = {"total": total, "desc": "training", "unit": "epoch"}
    from tqdm.notebook import tqdm as notebook_tqdm

    if not issubclass(tqdm, notebook_tqdm):  # a terminal: the text bar
        return tqdm(**options)
    return _NotebookBar(tqdm, options)


class _NotebookBar:
    """tqdm's notebook bar whose final state is kept in the saved notebook.

    A notebook widget is live in Jupyter, but a saved or rendered notebook (the
    website) only keeps the text it showed when it was first displayed, "0%".
    Displaying the bar under a display id and updating that display once training
    ends stores the finished bar ("100%", the last loss) as the cell's output.
    """

    def __init__(self, tqdm, options):
        from IPython.display import display

        self._bar = tqdm(display=False, **options)
        self._handle = display(self._bar.container, display_id=True)

    def update(self, n: int) -> None:
        self._bar.update(n)

    def set_postfix(self, **values) -> None:
        self._bar.set_postfix(**values)

    def close(self) -> None:
        self._bar.close()
        if self._handle is not None:
            self._handle.update(self._bar.container)
