"""Resolve references to softmax_lib's functions by the names readers use.

The API page documents every exported function once, at its public path
(``softmax_lib.softmax``, called as ``sl.softmax``), while the docstrings refer to
each other by their defining module (``softmax_lib.core.log_softmax``) or by bare
name (``softmax`` inside :mod:`softmax_lib.core`). Sphinx cannot match those by itself,
so this extension maps any such reference whose last component is in
``softmax_lib.__all__`` to ``softmax_lib.<name>``. A reference to anything else is
left alone, so a wrong name still fails the nitpicky build.
"""

from __future__ import annotations

from sphinx.util.nodes import make_refnode


def _resolve(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    import softmax_lib

    target = node.get("reftarget", "")
    module = node.get("py:module") or ""
    name = target.rsplit(".", 1)[-1]
    from_here = target.startswith("softmax_lib.") or module.startswith("softmax_lib")
    if not from_here or name not in softmax_lib.__all__:
        return None
    objects = env.get_domain("py").objects
    entry = objects.get(f"softmax_lib.{name}")
    if entry is None:
        return None
    return make_refnode(
        app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, f"softmax_lib.{name}"
    )


def setup(app):
    app.connect("missing-reference", _resolve)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
