"""softmax_lib: the softmax function and its companions, done carefully.

The library behind *The Softmax Book*. It computes softmax, log-softmax and
log-sum-exp accurately and fast for numpy arrays of any shape, with one
documented policy for special values.

Examples
--------
>>> import softmax_lib as sl
>>> sl.__version__ != ""
True
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
