"""tools/fetch_vendor.py: pinned npm packages, verified, with a clear error without npm."""

from __future__ import annotations

import pytest

import fetch_vendor  # tools/ is on pytest's pythonpath


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SOFTMAX_BOOK_VENDOR_CACHE", str(tmp_path))
    return tmp_path


def test_missing_npm_is_a_clear_error(empty_cache, monkeypatch):
    monkeypatch.setattr(fetch_vendor.shutil, "which", lambda name: None)
    with pytest.raises(fetch_vendor.VendorError, match="npm was not found") as error:
        fetch_vendor.tarball("axe-core")
    assert "apt-get install -y npm" in str(error.value)


def test_a_tampered_tarball_is_refused_and_deleted(empty_cache):
    version = fetch_vendor.PACKAGES["axe-core"][0]
    fake = empty_cache / f"axe-core-{version}.tgz"
    fake.write_bytes(b"not the real package")
    with pytest.raises(fetch_vendor.VendorError, match="sha512"):
        fetch_vendor.tarball("axe-core")
    assert not fake.exists()


def test_versions_are_pinned_exactly():
    for name, (version, integrity) in fetch_vendor.PACKAGES.items():
        assert version.count(".") == 2, f"{name} must be pinned to an exact version"
        assert integrity.startswith("sha512-")
