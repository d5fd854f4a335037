"""Sphinx extension: repairs to the generated HTML that the browser tests need.

sphinx-thebe adds its inline configuration script (``const THEBE_JS_URL = ...``) twice
to every page with this Sphinx version (once with filename ``None``, once with ``""``),
and the second copy throws "Identifier 'THEBE_JS_URL' has already been declared" in
the console. Identical scripts are dropped from each page here
(tests/test_browser.py checks every page for console errors).
"""

from __future__ import annotations


def _script_key(script) -> tuple:
    attributes = getattr(script, "attributes", None) or {}
    filename = getattr(script, "filename", script) or ""
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # in place: later handlers (MathJax) append to this list


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
