"""Tables of sentences wrap; tables of figures keep each cell on one line.

``focalboost.css`` keeps the cells of a table on one line (a figure such as
``0.781 (0.145)`` or ``-0.001 +0.008`` must not break), and a table wider
than the text column scrolls inside it. A table whose cells hold sentences
must wrap instead, or its last columns end up out of sight. This transform
gives the ``prose-table`` class, which the stylesheet wraps, to every table
with a cell of at least :data:`WORDS` words (runs of two or more letters:
figures are not words), so no page has to mark its tables by hand.
"""

from __future__ import annotations

import re

from docutils import nodes

#: Words in one cell from which a table is a table of sentences.
WORDS = 5
_WORD = re.compile(r"[^\W\d_]{2,}")


def _is_prose(table: nodes.table) -> bool:
    for entry in table.findall(nodes.entry):
        if len(_WORD.findall(entry.astext())) >= WORDS:
            return True
    return False


def _mark(app, doctree: nodes.document) -> None:
    for table in doctree.findall(nodes.table):
        if "prose-table" not in table["classes"] and _is_prose(table):
            table["classes"].append("prose-table")


def setup(app):
    """Connect the transform."""
    app.connect("doctree-read", _mark)
    return {"version": "1", "parallel_read_safe": True}
