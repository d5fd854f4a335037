r"""Softmax regression (multinomial logistic regression), trained with minibatch SGD.

The model of Chapter 5 (Softmax regression on MNIST): the evidence for class
:math:`i` is a weighted sum of the input features plus a bias,
:math:`z_i = w_i \cdot x + b_i`, and the predicted probabilities are
:math:`\hat y = \operatorname{softmax}(W x + b)`. It is trained by minimising the
mean cross-entropy plus an L2 penalty :math:`\tfrac{\lambda}{2}\lVert W\rVert^2`
with minibatch stochastic gradient descent, using the gradient
:math:`\partial L / \partial W = (\hat y - y)\, x^\top`.

:class:`SoftmaxRegression` is a scikit-learn estimator: it inherits from
scikit-learn's ``ClassifierMixin`` and ``BaseEstimator``, so it has
``get_params`` and ``set_params``, works with ``clone``, ``Pipeline``,
``GridSearchCV`` and ``cross_val_score``, and passes scikit-learn's estimator
checks (``tests/test_sklearn_contract.py`` runs them and lists the one it skips,
with the reason). Why a dependency rather than a look-alike: the contract is
more than two methods (parameter introspection, cloning, tags, fitted-state
checks, input validation with feature names, the repr), and only inheriting it
keeps it right as scikit-learn evolves. The dependency is confined to this
module: ``import softmax_lib`` stays numpy-only and imports this module (hence
scikit-learn) the first time ``softmax_lib.SoftmaxRegression`` is used. Install
it with ``pip install 'softmax-lib[sklearn]'`` (the ``notebooks`` extra, and so
``book``, ``test`` and ``dev``, include it, as does ``bench``).

Input follows the library's one input policy (:mod:`softmax_lib._validation`):
the labels ``y`` may be any sortable values (integers, whole-number floats,
strings, ...) and ``predict`` returns them. Training says when it goes wrong:
a :class:`TrainingWarning` when the features look unscaled or the loss climbs
far above its start, and a ``ValueError`` when the loss overflows.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "softmax_lib.SoftmaxRegression needs scikit-learn (it is a scikit-learn estimator);"
        " install it with: pip install 'softmax-lib[sklearn]'"
    ) from exc

from softmax_lib._validation import (
    as_class_labels,
    check_choice,
    check_count,
    check_feature_dtype,
    check_flag,
    check_real,
)
from softmax_lib.core import log_softmax, softmax

__all__ = ["SoftmaxRegression", "TrainingWarning"]

#: Features larger than this (in absolute value) trigger the "unscaled" warning.
UNSCALED = 100.0
#: A training loss this many times its starting value (log K) means divergence.
DIVERGED = 10.0
#: The smallest positive float32: a floor for the probabilities in a minibatch loss.
_TINY32 = np.float32(np.finfo(np.float32).smallest_subnormal)


class TrainingWarning(UserWarning):
    """Training went wrong in a way that does not stop it.

    Emitted by :meth:`softmax_lib.SoftmaxRegression.fit` when the features look unscaled
    (some absolute value above 100, e.g. raw 0-255 pixels) or when the training
    loss climbs to more than 10 times its starting value :math:`\\log K` (the
    learning rate is too large). A loss that overflows to infinity or NaN is a
    ``ValueError`` instead.
    """


class SoftmaxRegression(ClassifierMixin, BaseEstimator):
    r"""Softmax regression classifier trained with minibatch SGD and momentum.

    A scikit-learn estimator: the constructor only stores the hyper-parameters;
    they are checked by :meth:`fit`.

    Parameters
    ----------
    learning_rate : float, default 0.5
        Initial step size of SGD, positive. It decays to 0 along a cosine over the
        epochs (``schedule="cosine"``) or stays constant (``"constant"``).
    n_epochs : int, default 10
        Passes over the training set, at least 1.
    batch_size : int, default 256
        Samples per SGD step, at least 1.
    momentum : float, default 0.9
        Heavy-ball momentum in [0, 1).
    l2 : float, default 1e-4
        Strength :math:`\lambda \ge 0` of the L2 penalty
        :math:`\tfrac{\lambda}{2}\lVert W\rVert^2` on the weights (not the biases).
    schedule : {"cosine", "constant"}, default "cosine"
        The learning-rate schedule: step :math:`t` of :math:`S` uses
        :math:`\eta_t = \tfrac{\eta}{2}(1 + \cos(\pi t / S))` (cosine) or
        :math:`\eta_t = \eta` (constant).
    random_state : int or None, default 0
        Seed of the minibatch shuffling (anything :func:`numpy.random.default_rng`
        takes); the same seed gives the same model.
    progress : bool, default True
        Show a progress bar during ``fit`` (tqdm's notebook-aware bar, if tqdm is
        installed); False trains silently.
    record_history : bool, default True
        Evaluate the loss and accuracy on the whole training set (and the validation
        data, if given) after every epoch, into ``history_``. That is one extra
        forward pass over the data per epoch, about a third of the training time
        for MNIST; False skips it, e.g. for a sweep of many models that are only
        scored at the end.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels seen in ``fit`` (or given as ``classes``), sorted;
        :meth:`predict` returns these values.
    coef_ : ndarray of shape (n_classes, n_features)
        The weights :math:`W`; row :math:`i` is the evidence each feature gives
        for class ``classes_[i]`` (float32).
    intercept_ : ndarray of shape (n_classes,)
        The biases :math:`b` (float32).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        The column names, one per feature, if ``X`` was a pandas DataFrame with
        string column names (scikit-learn's convention).
    history_ : dict of lists
        One entry per epoch, starting with epoch 0 (the zero weights, before any
        step): ``"epoch"``; ``"loss"``, the mean cross-entropy on the training set
        (without the penalty); ``"objective"``, that plus the penalty
        :math:`\tfrac{\lambda}{2}\lVert W\rVert^2`, the function SGD minimises;
        ``"accuracy"`` on the training set; ``"val_loss"`` and ``"val_accuracy"``,
        the mean cross-entropy (without the penalty) and the accuracy on the
        validation data, when it is given; ``"seconds"``, the cumulative training
        time. With ``record_history=False`` it holds ``"epoch"`` and ``"seconds"``
        only.

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
    ``random_state``, so training is reproducible. scikit-learn's
    ``LogisticRegression`` fits the same model by L-BFGS
    (``benchmarks/bench_mnist.py`` compares the two on MNIST).

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

    Any sortable labels work, and it is a scikit-learn estimator:

    >>> names = np.array(["low", "mid", "high"])[y]
    >>> model = SoftmaxRegression(n_epochs=20, progress=False).fit(X, names)
    >>> model.classes_
    array(['high', 'low', 'mid'], dtype='<U4')
    >>> model.predict(X[:3])
    array(['mid', 'mid', 'mid'], dtype='<U4')
    >>> from sklearn.model_selection import cross_val_score
    >>> scores = cross_val_score(SoftmaxRegression(progress=False), X, y, cv=3)
    >>> print(scores.round(2))
    [0.89 0.9  0.89]
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
        random_state: int | None = 0,
        progress: bool = True,
        record_history: bool = True,
    ):
        self.learning_rate = learning_rate
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.momentum = momentum
        self.l2 = l2
        self.schedule = schedule
        self.random_state = random_state
        self.progress = progress
        self.record_history = record_history

    # --- Training --------------------------------------------------------------------------

    def fit(self, X, y, *, X_val=None, y_val=None, classes=None, callback=None):
        """Train on ``X`` (n_samples, n_features) with class labels ``y``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Training inputs (converted to float32). Features of order 1 (e.g.
            pixels scaled to [0, 1], or standardised columns) suit the default
            learning rate; a :class:`~softmax_lib.regression.TrainingWarning`
            says when they do not.
        y : array_like of shape (n_samples,)
            Class labels: integers, whole-number floats, strings or any sortable
            values, at least two distinct ones.
        X_val, y_val : array_like, optional
            Validation data, evaluated after each epoch into ``history_``; the
            labels ``y_val`` must be among the classes.
        classes : array_like, optional
            All the class labels the model should know, when ``y`` may lack some
            (e.g. a few samples of MNIST: ``classes=range(10)``). Default: the
            labels in ``y``.
        callback : callable, optional
            Called as ``callback(model)`` after every epoch, once ``history_`` holds
            that epoch (e.g. to redraw a live learning curve). Its return value is
            ignored.

        Returns
        -------
        SoftmaxRegression
            The fitted model (``self``).

        Raises
        ------
        ValueError
            For a hyper-parameter out of range, bad input (wrong shape, NaN or
            infinity, fewer than 2 classes, a float label that is not a whole
            number, a feature-count mismatch of ``X_val``), or a loss that
            overflows (a learning rate far too large).
        TypeError
            For a hyper-parameter or input of the wrong kind (see
            :mod:`softmax_lib._validation`).

        Warns
        -----
        softmax_lib.regression.TrainingWarning
            When the features look unscaled, or the loss climbs far above its
            starting value.
        """
        params = self._checked_params()
        check_feature_dtype(X, "X")
        X, y = validate_data(self, X, y, dtype=np.float32, reset=True)
        self.classes_, y = self._encode_fit_labels(y, classes)
        n_samples, n_features = X.shape
        n_classes = len(self.classes_)
        validation = None
        if (X_val is None) != (y_val is None):
            raise ValueError("give both X_val and y_val, or neither")
        if X_val is not None and not params["record_history"]:
            raise ValueError(
                "X_val and y_val are scored into history_ after every epoch, which"
                " record_history=False turns off: score the fitted model on them instead"
            )
        if X_val is not None:
            X_val = self._check_X(X_val, "X_val")
            validation = (X_val, self._encode(y_val, len(X_val), "y_val"))
        _warn_if_unscaled(X)

        W = np.zeros((n_classes, n_features), dtype=np.float32)
        b = np.zeros(n_classes, dtype=np.float32)
        velocity_W = np.zeros_like(W)
        velocity_b = np.zeros_like(b)
        rng = np.random.default_rng(self.random_state)
        batch_size = params["batch_size"]
        steps_per_epoch = math.ceil(n_samples / batch_size)
        total_steps = steps_per_epoch * params["n_epochs"]
        l2 = np.float32(params["l2"])
        momentum = np.float32(params["momentum"])
        self.coef_, self.intercept_ = W, b
        record = params["record_history"]
        keys = ("epoch", "loss", "objective", "accuracy") if record else ("epoch",)
        self.history_ = {key: [] for key in (*keys, "seconds")}
        if validation is not None:
            self.history_.update(val_loss=[], val_accuracy=[])
        self._record(0, X, y, validation, 0.0, record)  # epoch 0: the zero weights
        start_loss = math.log(n_classes)  # zero weights: the uniform distribution
        warned = False

        bar = _progress_bar(params["n_epochs"], self.progress)
        start = time.perf_counter()
        step = 0
        for epoch in range(1, params["n_epochs"] + 1):
            order = rng.permutation(n_samples)
            batch_losses = 0.0  # without record_history: the epoch's minibatch losses
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for first in range(0, n_samples, batch_size):
                    batch = order[first : first + batch_size]
                    X_batch = X[batch]
                    # Forward: probabilities; backward: P - Y, averaged over the batch.
                    residual = softmax(X_batch @ W.T + b)
                    true_class = (np.arange(len(batch)), y[batch])
                    if not record:
                        p_true = np.maximum(residual[true_class], _TINY32)
                        batch_losses -= float(np.sum(np.log(p_true), dtype=np.float64))
                    residual[true_class] -= 1.0
                    residual /= np.float32(len(batch))
                    grad_W = residual.T @ X_batch
                    grad_W += l2 * W
                    rate = np.float32(_rate(params, step, total_steps))
                    velocity_W *= momentum
                    velocity_W -= rate * grad_W
                    velocity_b *= momentum
                    velocity_b -= rate * residual.sum(axis=0)
                    W += velocity_W
                    b += velocity_b
                    step += 1
                self._record(epoch, X, y, validation, time.perf_counter() - start, record)
            if record:
                loss = self.history_["objective"][-1]  # cross-entropy + penalty
            elif np.isfinite(W).all() and np.isfinite(b).all():
                loss = batch_losses / n_samples + self._penalty()  # during the epoch
            else:
                loss = math.nan
            if not math.isfinite(loss):
                if bar is not None:
                    bar.close()
                del self.coef_, self.intercept_  # the model is not usable
                raise ValueError(
                    f"training diverged: the loss is {loss} after epoch {epoch} (it started"
                    f" at {start_loss:.3g}). Lower the learning rate (now"
                    f" {params['learning_rate']:g}) or scale the features."
                )
            if loss > DIVERGED * start_loss and not warned:
                warned = True
                warnings.warn(
                    f"the training loss is {loss:.3g} after epoch {epoch}, more than"
                    f" {DIVERGED:g} times its start ({start_loss:.3g}): training is"
                    f" diverging. Lower the learning rate (now {params['learning_rate']:g})"
                    " or scale the features.",
                    TrainingWarning,
                    stacklevel=2,
                )
            if bar is not None:
                bar.update(1)
                bar.set_postfix(objective=f"{loss:.4f}")
            if callback is not None:
                callback(self)
        if bar is not None:
            bar.close()
        return self

    def _checked_params(self) -> dict:
        """The hyper-parameters, checked against the input policy (in ``fit``)."""
        check_flag(self.progress, "progress")
        return {
            "learning_rate": check_real(self.learning_rate, "learning_rate", low=0, low_open=True),
            "n_epochs": check_count(self.n_epochs, "n_epochs"),
            "batch_size": check_count(self.batch_size, "batch_size"),
            "momentum": check_real(self.momentum, "momentum", low=0, high=1, high_open=True),
            "l2": check_real(self.l2, "l2", low=0),
            "schedule": check_choice(self.schedule, "schedule", ("cosine", "constant")),
            "record_history": check_flag(self.record_history, "record_history"),
        }

    def _encode_fit_labels(self, y, classes):
        seen, indices = as_class_labels(y, "y")
        if classes is not None:
            known, _ = as_class_labels(np.asarray(classes).reshape(-1), "classes")
            missing = ~np.isin(seen, known)
            if missing.any():
                raise ValueError(f"y has labels not in classes: {seen[missing][:5].tolist()}")
            indices = np.searchsorted(known, seen)[indices]
            seen = known
        if len(seen) < 2:
            raise ValueError(
                f"y has {len(seen)} class ({seen.tolist()}): a classifier needs samples of"
                " at least 2 classes"
            )
        return seen, indices

    def _encode(self, labels, n_samples: int, name: str) -> np.ndarray:
        """Indices into ``classes_`` of the labels ``labels`` (all must be known)."""
        values, indices = as_class_labels(labels, name)
        if len(indices) != n_samples:
            raise ValueError(f"{name} has {len(indices)} labels for {n_samples} samples")
        position = np.searchsorted(self.classes_, values).clip(0, len(self.classes_) - 1)
        unknown = self.classes_[position] != values
        if unknown.any():
            raise ValueError(
                f"{name} has labels the model was not trained on: {values[unknown][:5].tolist()}"
            )
        return position[indices]

    def _penalty(self) -> float:
        return 0.5 * self.l2 * float(np.sum(self.coef_.astype(np.float64) ** 2))

    def _record(self, epoch, X, y, validation, seconds, record) -> None:
        self.history_["epoch"].append(epoch)
        if not record:
            self.history_["seconds"].append(seconds)
            return
        penalty = self._penalty()
        loss, accuracy = self._loss_and_accuracy(X, y)
        self.history_["loss"].append(loss)  # the cross-entropy alone
        self.history_["objective"].append(loss + penalty)  # what SGD minimises
        self.history_["accuracy"].append(accuracy)
        self.history_["seconds"].append(seconds)
        if validation is not None:
            val_loss, val_accuracy = self._loss_and_accuracy(*validation)
            self.history_["val_loss"].append(val_loss)  # no penalty: a plain NLL
            self.history_["val_accuracy"].append(val_accuracy)

    def _loss_and_accuracy(self, X, y) -> tuple[float, float]:
        logits = X @ self.coef_.T + self.intercept_
        log_probs = log_softmax(logits)
        loss = -float(np.mean(log_probs[np.arange(len(y)), y], dtype=np.float64))
        accuracy = float(np.mean(logits.argmax(axis=1) == y))
        return loss, accuracy

    # --- Prediction ------------------------------------------------------------------------

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "coef_")

    def _check_X(self, X, name: str = "X") -> np.ndarray:
        check_feature_dtype(X, name)
        try:
            return validate_data(self, X, dtype=np.float32, reset=False)
        except ValueError as exc:
            if name == "X":
                raise
            raise ValueError(f"{name}: {exc}") from None

    def _logits(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = self._check_X(X)
        return X @ self.coef_.T + self.intercept_

    def decision_function(self, X) -> np.ndarray:
        """Return the logits :math:`X W^\\top + b` of each sample.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Samples with the features seen in ``fit``.

        Returns
        -------
        ndarray of float32, shape (n_samples, n_classes) or (n_samples,)
            The logits, one column per class of ``classes_``. With two classes,
            as in scikit-learn, the single column :math:`z_1 - z_0`: the log-odds
            of ``classes_[1]``, positive where it is predicted.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        ValueError
            For bad input (not 2-D, NaN or infinity, a different number of features).
        """
        logits = self._logits(X)
        if logits.shape[1] == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X) -> np.ndarray:
        """Return the class probabilities ``softmax(logits)``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Samples with the features seen in ``fit``.

        Returns
        -------
        ndarray of float32, shape (n_samples, n_classes)
            Row ``n`` is the distribution over ``classes_`` for sample ``n``; it
            sums to 1.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        ValueError
            For bad input, as in :meth:`decision_function`.
        """
        return softmax(self._logits(X))

    def predict(self, X) -> np.ndarray:
        """Return the most probable class of each sample.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Samples with the features seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_`` (the arg max of the logits; ties go to the
            first class).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        ValueError
            For bad input, as in :meth:`decision_function`.
        """
        best = self._logits(X).argmax(axis=1)
        return self.classes_[best]

    def score(self, X, y, sample_weight=None) -> float:
        """Return the accuracy: the fraction of samples whose class is predicted right.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Samples with the features seen in ``fit``.
        y : array_like of shape (n_samples,)
            Their true labels (values from ``classes_``).
        sample_weight : array_like of shape (n_samples,), optional
            Weights of the samples (scikit-learn's interface); default all 1.

        Returns
        -------
        float
            The (weighted) mean of ``predict(X) == y``, in [0, 1].

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        ValueError
            For bad input, as in :meth:`decision_function`.
        """
        return float(super().score(X, y, sample_weight=sample_weight))


def _rate(params: dict, step: int, total_steps: int) -> float:
    """The learning rate of step ``step`` (0-based) of ``total_steps``."""
    if params["schedule"] == "constant":
        return params["learning_rate"]
    rate = params["learning_rate"]
    return 0.5 * rate * (1.0 + math.cos(math.pi * step / total_steps))


def _warn_if_unscaled(X: np.ndarray) -> None:
    # max and min, not abs(X).max(): no temporary copy of X (0.3 s for MNIST).
    largest = max(float(X.max()), -float(X.min())) if X.size else 0.0
    if largest > UNSCALED:
        warnings.warn(
            f"the features look unscaled: their largest absolute value is {largest:g}."
            " SGD with the default learning rate expects features of order 1: scale them,"
            " e.g. X / 255 for pixels, or StandardScaler() in a Pipeline.",
            TrainingWarning,
            stacklevel=3,
        )


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
