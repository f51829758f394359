"""Masking personal data in ticket text: the rule's examples, properties over generated text, and linear time."""

from __future__ import annotations

import random
import time
from collections import Counter

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeys.tickets.masking import (
    candidates,
    find_values,
    luhn_valid,
    mask_array,
    mask_table,
    mask_text,
    masked_sentence,
)
from tests.strategies import examples

MASKED = [
    ("write to jane.doe+billing@example.co.uk today", "write to [email] today", "email"),
    ("Call +44 20 7946 0958 please", "Call [phone] please", "phone"),
    ("call (555) 123-4567.", "call [phone].", "phone"),
    ("tel: 0151 496 0000", "tel: [phone]", "phone"),
    ("+44 (0)20 7946 0958", "[phone]", "phone"),
    ("+1 555-123-4567", "[phone]", "phone"),
    ("555.123.4567", "[phone]", "phone"),
    ("order 1234567 late", "order [phone] late", "phone"),  # 7 digits or more read as a phone number
    ("card 4111 1111 1111 1111 declined", "card [card] declined", "card"),
    ("card 4111-1111-1111-1111", "card [card]", "card"),
    ("paid with 378282246310005", "paid with [card]", "card"),  # Amex, 15 digits
    ("2026-12-07 0151 496 0000", "2026-12-07 [phone]", "phone"),
    ("at 10:30 4111 1111 1111 1111", "at 10:30 [card]", "card"),  # cards first: no phone takes the 30 and a part
    ("3000000000007 10:30", "[card] 10:30", "card"),
]
KEPT = [
    "opened on 2026-12-07 at 10:30", "due 07.12.2026", "ticket #48213", "order 123456", "tickets 48213 48214",
    "amount 1.234.567 EUR", "from 192.168.100.200", "version v1.2.3", "ref A1234567", "x@y", "12/07/2026",
    "#12345678", "SKU-1234567",
]


@pytest.mark.parametrize(("text", "expected", "kind"), MASKED)
def test_values_are_masked(text: str, expected: str, kind: str) -> None:
    counts: Counter = Counter()
    assert mask_text(text, counts) == expected
    assert counts == Counter({kind: 1})


@pytest.mark.parametrize("text", KEPT)
def test_dates_ids_and_short_numbers_are_kept(text: str) -> None:
    assert mask_text(text) == text


def test_a_card_length_number_failing_luhn_is_not_a_card() -> None:
    assert not luhn_valid("4111111111111112")
    assert "[card]" not in mask_text("4111 1111 1111 1112")
    assert luhn_valid("4111111111111111") and luhn_valid("79927398713")


# --- generated text -------------------------------------------------------------------------------------------

WORDS = st.sampled_from(["the", "refund", "order", "#48213", "2026-12-07", "10:30", "12/07", "v1.2", "€12.50",
                         "(see)", "a-b", "x@", "@y", "ü", "数据", "42%", "-", ".", "+", "(", ")", "[", "]"])
ANY_TEXT = st.text(alphabet=st.sampled_from("0123456789 +-.()[]@#_abcXY.é\n/:"), max_size=80)


def _luhn_complete(body: str) -> str:
    for d in "0123456789":
        if luhn_valid(body + d):
            return body + d
    raise AssertionError("unreachable: one check digit always fits")


@st.composite
def cards(draw: st.DrawFn) -> str:
    n = draw(st.integers(13, 19))
    digits = _luhn_complete(draw(st.sampled_from("3456")) + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=n - 2, max_size=n - 2))))
    sep = draw(st.sampled_from(["", " ", "-"]))
    return sep.join(digits[i:i + 4] for i in range(0, n, 4)) if sep else digits


PHONES = st.sampled_from(["+44 20 7946 0958", "(555) 123-4567", "0151 496 0000", "+1 555-123-4567",
                          "555.123.4567", "+33 1 23 45 67 89", "07700 900 123", "+4930123456"])
EMAILS = st.from_regex(r"[a-z][a-z0-9._+\-]{0,20}@[a-z0-9]{1,10}\.(com|co\.uk|de|org)", fullmatch=True)


@examples(300, deadline=None)
@given(ANY_TEXT)
def test_masking_is_idempotent_and_leaves_no_match(text: str) -> None:
    once = mask_text(text)
    assert mask_text(once) == once
    assert find_values(once) == []


@examples(200, deadline=None)
@given(st.lists(WORDS, max_size=12))
def test_text_without_personal_data_is_unchanged(words: list[str]) -> None:
    text = " ".join(words)
    assert mask_text(text) == text


@examples(300, deadline=None)
@given(st.lists(WORDS, max_size=5), st.one_of(EMAILS.map(lambda v: ("email", v)), PHONES.map(lambda v: ("phone", v)),
                                             cards().map(lambda v: ("card", v))), st.lists(WORDS, max_size=5))
def test_a_value_among_words_is_replaced_by_its_token(before: list[str], value: tuple[str, str],
                                                       after: list[str]) -> None:
    kind, raw = value
    text = " ".join([*before, raw, *after])
    counts: Counter = Counter()
    out = mask_text(text, counts)
    assert raw not in out
    assert f"[{kind}]" in out
    assert counts[kind] >= 1


@examples(100, deadline=None)
@given(st.lists(st.one_of(ANY_TEXT, st.none()), max_size=30))
def test_the_column_path_masks_as_the_text_path_does(values: list[str | None]) -> None:
    counts: Counter = Counter()
    expected_counts: Counter = Counter()
    expected = [None if v is None else mask_text(v, expected_counts) for v in values]
    assert mask_array(pa.array(values, pa.string()), counts).to_pylist() == expected
    assert counts == expected_counts
    chunked = pa.chunked_array([pa.array(values[:3], pa.string()), pa.array(values[3:], pa.string())])
    assert mask_array(chunked).to_pylist() == expected


DATED = st.lists(st.sampled_from(["2026-12-07", "07.12.2026", "2026 12 07", "31-01-2026", " ", "-", ".", "(", ")",
                                  "+", "5", "0151", "a", ",", "\n"]), max_size=10).map("".join)


@examples(300, deadline=None)
@given(DATED)
def test_rows_the_column_path_leaves_out_hold_nothing_to_mask(text: str) -> None:
    """The bulk path skips rows with no ``@`` and under 7 digits once dates standing alone are left out; the
    rules must agree that such a row holds nothing to mask (dates next to numbers, separators, brackets)."""
    if not candidates(pa.array([text])).to_pylist()[0]:
        assert mask_text(text) == text
    assert mask_array(pa.array([text])).to_pylist() == [mask_text(text)]


def test_mask_table_masks_the_named_columns_only() -> None:
    table = pa.table({"ticket_id": ["1234567"], "subject": ["mail a@b.com"], "x_body": ["call 0151 496 0000"]})
    counts: Counter = Counter()
    out = mask_table(table, ["subject", "x_body"], counts)
    assert out.to_pylist() == [{"ticket_id": "1234567", "subject": "mail [email]", "x_body": "call [phone]"}]
    assert counts == Counter(email=1, phone=1)
    assert masked_sentence(dict(counts)) == ("Masked before writing (privacy setting): 1 e-mail address, "
                                             "1 phone number, 0 card numbers.")


# --- hostile input ---------------------------------------------------------------------------------------------

ADVERSARIAL = ["1-", "1 ", "a", "a@", "a.", "(1)", "+1", "1(", "a@b.", "@a.b", "1.2.", "a" * 63 + "@",
               "a@" + "b." * 9, "4111 ", "0151 496 "]


@pytest.mark.parametrize("unit", ADVERSARIAL)
def test_long_hostile_text_takes_linear_time(unit: str) -> None:
    """200,000 characters of a pattern-teasing unit: linear patterns take under a second of CPU; a quadratic
    one would take minutes. CPU time, not wall time: the machine may be busy with other work."""
    text = (unit * (200_000 // len(unit) + 1))[:200_000]
    started = time.process_time()
    out = mask_text(text)
    assert time.process_time() - started < 3.0
    assert find_values(out) == []


def test_a_million_short_values_mask_as_one_column() -> None:
    """The bulk path on a column of many rows; the figure for the report comes from the benchmark script."""
    rng = random.Random(7)
    values = [rng.choice(["refund for order #48213", "call me on 0151 496 0000", "mail x@y.org", "late"])
              for _ in range(20_000)]
    counts: Counter = Counter()
    out = mask_array(pa.array(values), counts).to_pylist()
    assert counts == Counter(phone=values.count("call me on 0151 496 0000"), email=values.count("mail x@y.org"))
    assert out.count("call me on [phone]") == counts["phone"]
