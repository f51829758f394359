"""``ui.text.plain`` judged by a real CommonMark renderer: whatever people type renders as the same words.

markdown-it-py is the Python port of the CommonMark reference parser (Streamlit's own renderer is
react-markdown, also CommonMark); GitHub's extensions are enabled where it has them. Autolinks of bare
URLs, which it does not do by default, are broken by a zero-width space that the test checks directly.
"""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.strategies import examples
from ui.text import ZERO_WIDTH_SPACE, clip, plain, shown

RENDER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
HOSTILE = ("**bold** [x](http://e.com) :red[y] <b>hi</b> <img src=x onerror=alert(1)> $x$ jane@acme.com "
           "![i](http://127.0.0.1:9/x.png) www.evil.com https://evil.example <https://evil.example> # title "
           "- item 1. first > quote `code` ~~gone~~ | a | b | &lt;b&gt; :material/home:")


def _rendered(text: str) -> str:
    return RENDER.render(plain(text)).strip()


def _words(rendered: str) -> str:
    """What a reader sees of one rendered paragraph."""
    inner = re.fullmatch(r"<p>(.*)</p>", rendered, flags=re.S)
    assert inner, rendered
    return html.unescape(inner.group(1)).replace(ZERO_WIDTH_SPACE, "")


def test_hostile_text_renders_as_the_same_words_and_nothing_else():
    rendered = _rendered(HOSTILE)
    assert not re.search(r"<(?!/?p>)", rendered), rendered  # no tag but the paragraph: no link, image, bold
    assert _words(rendered) == HOSTILE
    for autolink in ("http://", "https://", "www.", "@acme"):
        assert autolink not in plain(HOSTILE)  # bare URLs and e-mails cannot autolink


@examples(300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("*_[]()!<>`#:$&~|\\-=+.@"),
               max_size=80))
def test_any_text_renders_as_one_plain_paragraph(text):
    if not text.strip():
        return
    rendered = _rendered(text)
    assert not re.search(r"<(?!/?p>)", rendered), (text, rendered)
    assert _words(rendered) == text.strip() or _words(rendered) == re.sub(r"\s+", " ", text).strip()


def test_one_line_and_bounded():
    assert "\n" not in plain("a\nb\rc") and "\r" not in plain("a\nb\rc")
    assert clip("x" * 100, 10) == "x" * 9 + "…"
    assert len(shown("y" * 500, 80).replace("\\", "")) <= 80
