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

# Every character CommonMark, GitHub-flavoured Markdown or Streamlit's directives give a meaning.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&])")
# GitHub's bare-URL and e-mail autolinks ignore backslash escapes: a zero-width space breaks them.
_AUTOLINK = re.compile(r"(?i)(://|www\.|@)")
ZERO_WIDTH_SPACE = "\u200b"


def plain(text: object) -> str:
    """``text`` escaped so Streamlit's Markdown shows it as written, on one line.

    Backslash escapes stop emphasis, links, images, raw HTML, directives such as ``:red[…]`` and
    maths; a zero-width space breaks ``://``, ``www.`` and ``@`` so nothing autolinks."""
    text = _AUTOLINK.sub(lambda m: m.group(1)[0] + ZERO_WIDTH_SPACE + m.group(1)[1:], str(text))
    return _MARKDOWN.sub(r"\\\1", text).replace("\r", " ").replace("\n", " ")


def clip(text: object, n: int = 60) -> str:
    """``text`` on one line, at most ``n`` characters (an ellipsis marks the cut)."""
    value = str(text).replace("\n", " ").replace("\r", " ")
    return value if len(value) <= n else value[: n - 1] + "…"


def shown(text: object, n: int = 80) -> str:
    """User text clipped to ``n`` characters and escaped: the usual way to quote it in a message."""
    return plain(clip(text, n))
