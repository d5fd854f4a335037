"""Optional dependencies: a clear error when one is missing."""

import importlib


def require(module: str, needed_by: str):
    """Import ``module`` or raise an ImportError that says how to install it.

    The figures and explorers need matplotlib, which the core of softmax_lib
    (numpy only) does not; it comes with the ``widgets`` extra.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{needed_by} needs {module}, which is not installed. Install it with: "
            "pip install 'softmax-lib[widgets]'"
        ) from exc
