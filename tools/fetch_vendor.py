"""Fetch the two third-party scripts the website and its tests need, once, from npm.

- **MathJax 3** typesets the math. The site serves its own copy (``mathjax_path`` in
  ``_config.yml`` points to ``_static/vendor/mathjax/tex-mml-chtml.js``), so pages work
  with no network. The files are copied into ``book/_static/vendor/mathjax`` (git-ignored),
  which Sphinx copies into ``_build/html/_static``.
- **axe-core** checks accessibility in the browser tests (``tests/test_browser.py``
  injects it into each page). It is not part of the site.

The packages are downloaded with ``npm pack`` (exact versions, checked against the
registry's sha512 integrity pinned below) into a cache folder, ``.cache/vendor`` by
default (git-ignored; override with the ``SOFTMAX_BOOK_VENDOR_CACHE`` environment
variable), and unpacked from there. Later runs find everything in place and do nothing.

Usage: ``python tools/fetch_vendor.py`` (called by ``tools/build_book.py`` and by the
tests, so ``make book`` and ``make test`` do it themselves on a fresh clone).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STATIC_VENDOR = REPO / "book" / "_static" / "vendor"

# name -> (exact version, sha512 integrity from the npm registry)
PACKAGES = {
    "mathjax": (
        "3.2.2",
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
    ),
    "axe-core": (
        "4.14.1",
        "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
    ),
}

# The parts of MathJax's es5 build the site needs: the combined TeX/MathML + CommonHTML
# component, the fonts it loads relative to itself, the TeX extensions it may autoload,
# and the menu/accessibility components. (The 4 MB speech engine, sre/, is left out.)
MATHJAX_PARTS = (
    "tex-mml-chtml.js",
    "output/chtml/fonts/woff-v2",
    "input/tex/extensions",
    "a11y",
    "ui",
)
MATHJAX_ENTRY = "tex-mml-chtml.js"


class VendorError(RuntimeError):
    """A vendored package could not be fetched."""


def cache_dir() -> Path:
    """Return the folder where the npm tarballs are kept."""
    return Path(os.environ.get("SOFTMAX_BOOK_VENDOR_CACHE", REPO / ".cache" / "vendor"))


def _integrity(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def tarball(name: str) -> Path:
    """Return the cached npm tarball of ``name``, downloading it with ``npm pack`` if needed."""
    version, integrity = PACKAGES[name]
    folder = cache_dir()
    path = folder / f"{name}-{version}.tgz"
    if not path.is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise VendorError(
                f"npm was not found, and the book needs {name}@{version} from the npm "
                "registry (fetched once, then cached in "
                f"{folder}). Install Node.js and npm (Debian/Ubuntu: "
                "'apt-get install -y npm'), or copy the tarball there by hand."
            )
        folder.mkdir(parents=True, exist_ok=True)
        print(f"Fetching {name}@{version} from the npm registry into {folder}", flush=True)
        result = subprocess.run(
            [npm, "pack", f"{name}@{version}", "--pack-destination", str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not path.is_file():
            raise VendorError(
                f"'npm pack {name}@{version}' failed (does this machine reach the npm "
                f"registry?):\n{result.stdout}\n{result.stderr}"
            )
    if _integrity(path) != integrity:
        path.unlink()
        raise VendorError(f"{path.name} does not match its pinned sha512; deleted, try again")
    return path


def _extract(name: str, prefix: str, parts: tuple[str, ...], dest: Path) -> None:
    """Unpack the members of ``name``'s tarball under ``prefix``/``part`` into ``dest``."""
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(tarball(name)) as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            rel = member.name.removeprefix(prefix)
            keep = rel == "LICENSE" or any(rel == p or rel.startswith(p + "/") for p in parts)
            if keep and ".." not in Path(rel).parts:
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                assert source is not None
                target.write_bytes(source.read())
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)


def ensure_mathjax() -> Path:
    """Make sure the site's MathJax copy is in place; return its entry script."""
    version = PACKAGES["mathjax"][0]
    dest = STATIC_VENDOR / "mathjax"
    stamp = dest / ".version"
    if not (stamp.is_file() and stamp.read_text().strip() == version):
        _extract("mathjax", "package/es5/", MATHJAX_PARTS, dest)
        with tarfile.open(tarball("mathjax")) as archive:
            license_file = archive.extractfile("package/LICENSE")
            assert license_file is not None
            (dest / "LICENSE").write_bytes(license_file.read())
        stamp.write_text(version + "\n")
    return dest / MATHJAX_ENTRY


def ensure_axe() -> Path:
    """Make sure axe-core is unpacked in the cache; return ``axe.min.js``."""
    version = PACKAGES["axe-core"][0]
    dest = cache_dir() / f"axe-core-{version}"
    script = dest / "axe.min.js"
    if not script.is_file():
        _extract("axe-core", "package/", ("axe.min.js",), dest)
    return script


def main() -> int:
    try:
        mathjax = ensure_mathjax()
        axe = ensure_axe()
    except VendorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"MathJax:   {mathjax}\naxe-core:  {axe}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
