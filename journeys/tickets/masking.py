"""Mask e-mail addresses, phone numbers and card-like numbers in ticket text before it is written.

A workspace can ask (its privacy setting, :mod:`journeys.usecases.privacy_settings`) that imports never write these
values: the importer passes each free-text column through :func:`mask_array` on its way to the Parquet file.

What is masked (the rule, in words):

- **E-mail** → ``[email]``: 1–64 of ``A–Z a–z 0–9 . _ % + -``, ``@``, one to eight domain labels
  (letters, digits, ``-``) each followed by ``.``, and a top-level domain of 2–24 letters.
- A *number* is a run of digit groups joined by one space, dash or dot, or by a parenthesised group
  (``(555)``, ``(0)``); the first group may start with ``+``. Within a run, card numbers are looked for
  first, then phone numbers in the groups between them; windows of groups are tried leftmost first, longest
  first. A window counts only when the character before it is the start of the text, white space or
  punctuation other than ``# + - . _ @ / ) ] $ € £ &`` and letters and digits (so ``#48213``, ``A1234567``,
  ``v1.2.3`` and the ``12`` of ``2026-12-07`` never start one), and the character after it is the end, white
  space or punctuation other than ``@ ( [ _`` and letters and digits (a ``-`` or ``.`` after it counts only
  when no digit follows).
- **Card** → ``[card]``: a window of 13–19 digits, as one run or in groups of 4–6 digits (the last of any
  length) joined by one kind of separator (space or dash), no ``+`` or parentheses, whose digits pass the
  Luhn check.
- **Phone** → ``[phone]``: a window of 7–15 digits (the E.164 limit): one group (``+442079460958``,
  ``5551234567``, an order number of 7 or more digits), or groups where the first, if plain digits, has at most
  5 digits and — leaving out a leading ``+country`` group and parenthesised groups — the joins are all the same
  character, every later group has 2–4 digits (the last up to 8 when the number starts with ``+``, ``(`` or
  ``0``), and the groups are not a date (three groups of 4-2-2 or 2-2-4 digits: ``2026-12-07``,
  ``07.12.2026``) nor an amount or address written with dots (every group after the first of 3 digits:
  ``1.234.567``, ``192.168.100.200``).
- Never masked: fewer than 7 digits (ticket ids such as ``#48213``, order numbers under 7 digits, times,
  short dates); a card-length number failing Luhn is not a card (a part of it may still read as a phone).

Why this shape: every pattern is bounded or unambiguous (no nested quantifier can split the same text two
ways), so the time is linear in the text's length even on hostile input, and the rules only look at the
characters just around a match, so masking twice gives what masking once gave (the replacements hold
brackets and letters, which no rule accepts beside a number). Columns are masked in bulk: rows that cannot hold
a value (no ``@`` and fewer than 7 digits; found by Arrow's RE2 kernels, linear time) are left untouched,
only the others go through the Python rules.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

# The canonical columns people write in (identifiers — ticket_id, customer_id — are keys the metrics join on and are
# kept; every text extra ``x_…``, where descriptions, first messages and comments land, is masked too).
FREE_TEXT = ("subject",)
KINDS = ("email", "phone", "card")
TOKENS = {kind: f"[{kind}]" for kind in KINDS}
WORDS = {"email": ("e-mail address", "e-mail addresses"), "phone": ("phone number", "phone numbers"),
         "card": ("card number", "card numbers")}

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@(?:[A-Za-z0-9\-]{1,63}\.){1,8}[A-Za-z]{2,24}")
_GROUP = r"(?:\+\d+|\(\d{1,5}\)|\d+)"
# a join is one separator, or nothing right after ")" or right before "(": never two digit groups side by side
_JOIN = r"(?:[ .\-]|(?<=\))|(?=\())"
NUMBER_RUN = re.compile(rf"{_GROUP}(?:{_JOIN}{_GROUP})*", re.ASCII)
_GROUP_TOKEN = re.compile(r"\+?\(?\d+\)?", re.ASCII)
_DROP_DIGITS = str.maketrans("", "", "0123456789")
_DROP_MARKS = str.maketrans("", "", "+()")
# a run that is exactly a date holds no window of 7+ digits other than the date itself: skipped at once
_DATE_RUN = re.compile(r"\d{4}([ .\-])\d\d\1\d\d|\d\d([ .\-])\d\d\2\d{4}", re.ASCII)
_NOT_BEFORE = set("#+-._@/)]$€£&")
_NOT_AFTER = set("@([_")
_DATES = ((4, 2, 2), (2, 2, 4))


@dataclass(frozen=True, slots=True)
class _Group:
    text: str
    start: int  # in the whole text
    end: int
    digits: str
    core: bool  # a plain digit group (not ``+country``, not parenthesised)


def _digit_count(text: str) -> int:
    return len(text) - len(text.translate(_DROP_DIGITS))


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum card numbers carry (doubling every second digit from the right)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask_text(text: str, counts: Counter | None = None) -> str:
    """``text`` with every e-mail address, card-like and phone number replaced by its token; ``counts`` (when
    given) gains one per value masked, by kind."""
    if not text:
        return text
    tally = counts if counts is not None else Counter()
    if "@" in text:
        text, n = EMAIL.subn(TOKENS["email"], text)
        tally["email"] += n
    if _digit_count(text) >= 7:
        text = NUMBER_RUN.sub(lambda m: _mask_run(m, tally), text)
    return text


def find_values(text: str) -> list[tuple[str, str]]:
    """Every value :func:`mask_text` would mask, as (kind, text): what a test asserts is gone afterwards."""
    found = [("email", m.group()) for m in EMAIL.finditer(text)]
    for m in NUMBER_RUN.finditer(EMAIL.sub(TOKENS["email"], text)):
        found += [(kind, m.string[a:b]) for kind, a, b in _windows(m)]
    return found


def _mask_run(m: re.Match[str], tally: Counter) -> str:
    spans = list(_windows(m))
    if not spans:
        return m.group()
    out, at = [], m.start()
    for kind, a, b in spans:
        out += [m.string[at:a], TOKENS[kind]]
        tally[kind] += 1
        at = b
    out.append(m.string[at:m.end()])
    return "".join(out)


def _windows(m: re.Match[str]) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of each masked window of a number run, in order: card numbers first (leftmost, longest),
    then phone numbers in the groups between them, so a phone number never swallows part of a card number."""
    text, run, at = m.string, m.group(), m.start()
    if _digit_count(run) < 7 or _DATE_RUN.fullmatch(run):
        return
    groups = [_Group(t, at + g.start(), at + g.end(), t.translate(_DROP_MARKS), t[0] not in "+(")
              for g in _GROUP_TOKEN.finditer(run) for t in (g.group(),)]
    lo = 0
    for i, j in [*_scan(text, groups, 0, len(groups), "card"), (len(groups), len(groups))]:
        yield from (("phone", groups[a].start, groups[b].end) for a, b in _scan(text, groups, lo, i, "phone"))
        if i < len(groups):
            yield "card", groups[i].start, groups[j].end
        lo = j + 1


def _scan(text: str, groups: list[_Group], lo: int, hi: int, kind: str) -> Iterator[tuple[int, int]]:
    """(first, last) group of each window of ``kind`` among ``groups[lo:hi]``, leftmost first, longest first."""
    i = lo
    while i < hi:
        j = _longest(text, groups, i, hi, kind) if _starts_ok(text, groups[i].start) else None
        if j is None:
            i += 1
            continue
        yield i, j
        i = j + 1


def _longest(text: str, groups: list[_Group], i: int, hi: int, kind: str) -> int | None:
    """The last group of the longest window of ``kind`` from group ``i`` (before ``hi``).

    Grown one group at a time, stopping once no longer window can be one (more than 19 digits, or a shape it
    does not allow): at most 19 steps of constant work, so a run of any length is scanned in linear time."""
    shape = _Shape(groups[i])
    best: int | None = None
    for j in range(i, hi):
        if j > i and not shape.add(groups[j], text[groups[j - 1].end:groups[j].start], kind):
            break
        if _ends_ok(text, groups[j].end) and shape.fits(groups[i:j + 1], kind):
            best = j
    return best


def _starts_ok(text: str, at: int) -> bool:
    if at == 0:
        return True
    before = text[at - 1]
    return not (before.isalnum() or before in _NOT_BEFORE)


def _ends_ok(text: str, at: int) -> bool:
    if at >= len(text):
        return True
    after = text[at]
    if after in "-.":
        return not (at + 1 < len(text) and text[at + 1].isdigit())
    return not (after.isalnum() or after in _NOT_AFTER)


class _Shape:
    """What a growing window of groups still allows: a card, a phone number, both or neither."""

    def __init__(self, first: _Group) -> None:
        self.digits = len(first.digits)
        self.card = first.core
        self.card_join: str | None = None
        self.phone = True
        self.plain_join: str | None = None
        self.prefixed = first.text[0] in "+(0"
        self.cores = [len(first.digits)] if first.core else []
        self.first = self.last = first

    def add(self, group: _Group, join: str, kind: str) -> bool:
        """Take the next group; False when no window this long or longer can be a card or a phone."""
        self.digits += len(group.digits)
        self.card = (self.card and group.core and 4 <= len(self.last.digits) <= 6 and join in (" ", "-")
                     and self.card_join in (None, join))
        self.card_join = join
        if self.last.core and group.core:
            self.phone = self.phone and self.plain_join in (None, join)
            self.plain_join = join
        if group.core:
            if self.cores and (len(group.digits) < 2 or (len(self.cores) > 1 and self.cores[-1] > 4)):
                self.phone = False
            self.cores.append(len(group.digits))
        self.phone = self.phone and not (self.first.core and len(self.first.digits) > 5)
        self.last = group
        return self.digits <= 19 and (self.card if kind == "card" else self.phone)

    def fits(self, window: list[_Group], kind: str) -> bool:
        """Whether ``window`` (the groups taken so far) is a number of ``kind``."""
        if kind == "card":
            return self.card and 13 <= self.digits <= 19 and luhn_valid("".join(g.digits for g in window))
        return self.phone and 7 <= self.digits <= 15 and self._phone_shaped(len(window))

    def _phone_shaped(self, groups: int) -> bool:
        later = self.cores[1:]
        if groups == 1 or not later:
            return True
        if later[-1] > (8 if self.prefixed else 4):
            return False
        if groups == len(self.cores) == 3 and tuple(self.cores) in _DATES:
            return False
        return not (self.plain_join == "." and all(n == 3 for n in later))


# --- columns ------------------------------------------------------------------------------------------------

_SEVEN_DIGITS = r"[0-9](?:[^0-9]*[0-9]){6}"
_DATE_SHAPES = "|".join(f"[0-9]{{{a}}}{sep}[0-9]{{2}}{sep}[0-9]{{{b}}}" for a, b in ((4, 2), (2, 4))
                        for sep in (" ", r"\.", "-"))
# A date standing alone, as a number run of its own (:data:`_DATE_RUN`, skipped by the rules), with the characters
# around it that show no run reaches into it: nothing before it that a group could end with (a digit, ")") or
# that joins (a separator after one), nothing after it that joins on. Its context characters are never digits.
_ALONE_DATE = (r"(?:^|[^0-9)(+ .\-]|(?:^|[^0-9)])[ .\-])(?:" + _DATE_SHAPES
               + r")(?:$|[^0-9(+ .\-]|[ .\-](?:$|[^0-9(+]))")


def candidates(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """True where a value could hold something to mask: an ``@``, or 7 digits or more once dates standing alone
    are left out (a ticket dated in its text is common and holds nothing to mask). RE2 kernels, linear time; the
    dates are only looked for in the rows with 7 digits and no ``@``."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    at = pc.fill_null(pc.match_substring(values, "@"), False)
    seven = pc.fill_null(pc.match_substring_regex(values, _SEVEN_DIGITS), False)
    dated = pc.and_(seven, pc.invert(at))
    rows = pc.indices_nonzero(dated)
    if len(rows):
        undated = pc.replace_substring_regex(pc.take(values, rows), _ALONE_DATE, "")
        seven = pc.replace_with_mask(seven, dated, pc.match_substring_regex(undated, _SEVEN_DIGITS))
    return pc.or_(at, seven)


def mask_array(values: pa.Array | pa.ChunkedArray, counts: Counter | None = None) -> pa.Array:
    """A string column with :func:`mask_text` applied to every value that could need it (the rest untouched)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if len(values) == 0:
        return values
    which = candidates(values)
    idx = pc.indices_nonzero(which)
    if len(idx) == 0:
        return values
    tally = counts if counts is not None else Counter()
    masked = [mask_text(v, tally) for v in pc.take(values, idx).to_pylist()]
    return pc.replace_with_mask(values, which, pa.array(masked, values.type))


def text_columns(schema: pa.Schema, free_text: tuple[str, ...]) -> list[str]:
    """The columns an import masks: the canonical free-text ones and every text extra (``x_…``)."""
    return [f.name for f in schema
            if (f.name in free_text or f.name.startswith("x_")) and pa.types.is_string(f.type)]


def mask_table(table: pa.Table, columns: list[str], counts: Counter) -> pa.Table:
    """``table`` with ``columns`` masked; ``counts`` gains the values masked, by kind."""
    for name in columns:
        i = table.schema.get_field_index(name)
        table = table.set_column(i, table.schema.field(i), mask_array(table.column(i), counts))
    return table


def masked_sentence(counts: dict[str, int]) -> str:
    """The import report's line: how many values of each kind were masked before anything was written."""
    parts = [f"{counts.get(k, 0):,} {WORDS[k][counts.get(k, 0) != 1]}" for k in KINDS]
    return "Masked before writing (privacy setting): " + ", ".join(parts) + "."
