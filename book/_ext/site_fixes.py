"""Sphinx extension: repairs to the generated HTML that the browser tests need.

sphinx-thebe adds its inline configuration script (``const THEBE_JS_URL = ...``) twice
to every page with this Sphinx version (once with filename ``None``, once with ``""``),
and the second copy throws "Identifier 'THEBE_JS_URL' has already been declared" in
the console. Identical scripts are dropped from each page here
(tests/test_browser.py checks every page for console errors).

MyST-NB also embeds each executed notebook's ipywidgets state (20-30 kB a page) for the
live widget views. The website shows the explorers' static HTML views instead (the
widget views are dropped by ``nb_mime_priority_overrides`` in ``_config.yml``), so that
state is never read, and it is dropped here too.
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


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _script_type(script) -> str | None:
    return (getattr(script, "attributes", None) or {}).get("type")


def _drop_widget_state(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = [s for s in scripts if _script_type(s) != WIDGET_STATE]


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts, priority=100)
    # After MyST-NB's handler (default priority 500), which adds the state.
    app.connect("html-page-context", _drop_widget_state, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
