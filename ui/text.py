"""The one way user-provided text reaches Streamlit's Markdown.

``st.markdown``, ``st.caption``, ``st.info``/``warning``/``error``/``success``, ``st.toast``,
widget labels and ``st.write(str)`` all render Markdown: a planted ``![x](http://host/x.png)``
makes every viewer's browser fetch a remote image, ``[text](https://…)`` renders a link, and
``:red[…]`` or ``:material/…:`` are directives (shared/reference/known-traps.md). Anything a
person typed or an export supplied (labels, names, notes, ticket fields, segment values, dataset
and file names, pain points, experiment text) goes through :func:`plain` before it is part of
such a string; text shown in a dataframe, a selectbox option or a code block is not Markdown and
needs nothing.
"""

from __future__ import annotations

import re

from journeys.bounded import clipped

# Characters that mean something anywhere in a line: emphasis, code, links and images (``[``), raw HTML,
# strikethrough, maths, tables. ``(``, ``)`` and ``!`` only matter next to an escaped ``[``; ``.``, ``-``, ``#``
# and friends only at the start of a line (below), so "PP-1" or "2026-03-01" stay as written.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>~$|])")
# ``:red[…]``, ``:material/…:`` and ``:smile:``: a colon right before a letter or slash starts a directive.
_DIRECTIVE = re.compile(r":(?=[A-Za-z/])")
# "&lt;" and "&#60;" are entities; a lone "&" is not.
_ENTITY = re.compile(r"&(?=#?\w+;)")
# Block syntax at the start of the text: heading, quote, list item, thematic break, setext line, ordered list.
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+(?=[.)]))")
# GitHub's bare-URL and e-mail autolinks ignore backslash escapes: a zero-width space breaks them.
_AUTOLINK = re.compile(r"(?i)(://|www\.|@)")
ZERO_WIDTH_SPACE = "\u200b"


def plain(text: object) -> str:
    """``text`` escaped so Streamlit's Markdown shows it as written, on one line.

    Backslash escapes stop emphasis, links, images, raw HTML, entities, directives such as ``:red[…]``,
    maths and block syntax at the start; a zero-width space breaks ``://``, ``www.`` and ``@`` so
    nothing autolinks. Punctuation that means nothing where it stands is left alone ("PP-1", "v2.0")."""
    text = _AUTOLINK.sub(lambda m: m.group(1)[0] + ZERO_WIDTH_SPACE + m.group(1)[1:], str(text))
    text = _MARKDOWN.sub(r"\\\1", text.replace("\r", " ").replace("\n", " "))
    text = _ENTITY.sub(r"\\&", _DIRECTIVE.sub(r"\\:", text))
    return _LINE_START.sub(_unblock, text)


def _unblock(match: re.Match[str]) -> str:
    """``# x`` → ``\\# x``; ``1. x`` → ``1\\. x``."""
    space, marker = match.groups()
    return space + (marker + "\\" if marker[0].isdigit() else "\\" + marker)


def clip(text: object, n: int = 60) -> str:
    """``text`` on one line, at most ``n`` characters (an ellipsis marks the cut): the core's rule, UI's default."""
    return clipped(text, n)


def shown(text: object, n: int = 80) -> str:
    """User text clipped to ``n`` characters and escaped: the usual way to quote it in a message."""
    return plain(clip(text, n))
