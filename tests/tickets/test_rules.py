"""Mapping rules: matching in real DuckDB, validation, hostile input, and versioned storage (both backends)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeys.errors import JourneysError, NotFound, StaleWrite
from journeys.model import Journey, Step
from journeys.store import Store
from journeys.store.tickets import TicketStore
from journeys.tickets.rules import (
    OPS,
    Rule,
    RuleSet,
    check_rules,
    mapped_table,
    mapping_warnings,
    parse_rules,
    preview,
    rules_from_json,
    rules_to_json,
    unmapped_report,
    validate_rules,
)

WS = "Support team"
INJECTION = "'; DROP TABLE x; --"


def journey() -> Journey:
    return Journey(
        name="Get help",
        steps=[
            Step(id="login", label="Log in", stage="Use"),
            Step(id="billing", label="Billing", stage="Use"),
            Step(id="refund", label="Refund", stage="Get help"),
            Step(id="shipping", label="Shipping", stage="Get help"),
        ],
    )


TICKETS = [
    # ticket_id, subject, tags, category, escalated, x_region, journey_step
    ("t1", "Cannot LOG in to the app", ["Login", "app"], "Account", False, "EU", None),
    ("t2", "Refund for order 123", ["billing", "refund-request"], "Billing ", True, "US", None),
    ("t3", "Where is my parcel?", ["shipping"], "Delivery", False, "EU", None),
    ("t4", "Invoice wrong", None, "billing", False, None, "Refund"),  # explicit step, other case
    ("t5", INJECTION, ["misc"], "Other", None, "APAC", "no-such-step"),  # invalid explicit step
    ("t6", "Password reset loop", [], None, True, "EU", None),
]


def ticket_table(rows=TICKETS) -> pa.Table:
    ids, subjects, tags, categories, escalated, regions, steps = (list(c) for c in zip(*rows, strict=True))
    n = len(ids)
    return pa.table(
        {
            "ticket_id": pa.array(ids, pa.string()),
            "created_at": pa.array([datetime(2026, 3, 1, tzinfo=UTC)] * n, pa.timestamp("us", tz="UTC")),
            "subject": pa.array(subjects, pa.string()),
            "tags": pa.array(tags, pa.list_(pa.string())),
            "category": pa.array(categories, pa.string()),
            "escalated": pa.array(escalated, pa.bool_()),
            "group": pa.array(["tier1"] * n, pa.string()),
            "x_region": pa.array(regions, pa.string()),
            "journey_step": pa.array(steps, pa.string()),
        }
    )


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    yield connection
    connection.close()


def steps_of(con: duckdb.DuckDBPyConnection, rules: list[Rule], table: pa.Table | None = None) -> dict[str, tuple]:
    """ticket_id -> (journey_step, rule_index) after mapping."""
    source = con.from_arrow(table if table is not None else ticket_table())
    mapped = mapped_table(con, source, RuleSet("Get help", rules), journey())
    return {t: (s, i) for t, s, i in mapped.project("ticket_id, journey_step, rule_index").fetchall()}


def matched(con: duckdb.DuckDBPyConnection, rule: Rule) -> set[str]:
    """Tickets the rule places (tickets t4 with a valid explicit step are left out: it wins)."""
    return {t for t, (_, i) in steps_of(con, [rule]).items() if i == 0}


# --- the operators ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        # scalar text columns: case-insensitive; equals/in ignore surrounding spaces
        ("category", "equals", "billing", {"t2"}),
        ("category", "equals", " BILLING", {"t2"}),
        ("subject", "contains", "log in", {"t1"}),
        ("subject", "contains", "?", {"t3"}),  # plain text, not a pattern
        ("subject", "regex", r"refund|parcel", {"t2", "t3"}),
        ("subject", "regex", r"^password", {"t6"}),
        ("category", "in", ["account", "DELIVERY"], {"t1", "t3"}),
        ("category", "in", "other", {"t5"}),  # one value for 'in' is a one-item list
        # the tags list: true when ANY tag matches
        ("tags", "equals", "LOGIN", {"t1"}),
        ("tags", "equals", "refund", set()),  # equals is the whole tag, not a part
        ("tags", "contains", "refund", {"t2"}),
        ("tags", "regex", r"^ship", {"t3"}),
        ("tags", "in", ["misc", "billing"], {"t2", "t5"}),
        # an extra column and a non-text column
        ("x_region", "equals", "eu", {"t1", "t3", "t6"}),
        ("x_region", "in", ["us", "apac"], {"t2", "t5"}),
        ("escalated", "equals", "true", {"t2", "t6"}),
        ("group", "equals", "TIER1", {"t1", "t2", "t3", "t5", "t6"}),  # 'group' is an SQL keyword
    ],
)
def test_each_operator_on_scalar_and_list_columns(con, field: str, op: str, value, expected: set[str]) -> None:
    assert op in OPS
    assert matched(con, Rule(step="billing", field=field, op=op, value=value)) == expected


def test_nulls_and_empty_lists_never_match(con) -> None:
    assert matched(con, Rule("billing", "tags", "regex", ".*")) == {"t1", "t2", "t3", "t5"}  # not t6 ([]), t4 (null)
    assert "t6" not in matched(con, Rule("billing", "category", "regex", ".*"))


def test_first_matching_rule_wins_and_explicit_steps_win_over_rules(con) -> None:
    rules = [
        Rule("refund", "tags", "contains", "refund", name="refund tag"),
        Rule("billing", "category", "equals", "billing"),  # also matches t2, but comes second
        Rule("login", "subject", "regex", r"log ?in|password"),
        Rule("shipping", "x_region", "equals", "eu"),  # catches t3 (and t1/t6, but they matched earlier)
        Rule("shipping", "subject", "contains", "invoice"),  # t4 matches, but its own step wins
    ]
    assert steps_of(con, rules) == {
        "t1": ("login", 2),
        "t2": ("refund", 0),
        "t3": ("shipping", 3),
        "t4": ("refund", None),  # explicit 'Refund' names step 'refund': kept, no rule index
        "t5": (None, None),  # explicit step unknown to the journey: rules apply, none match
        "t6": ("login", 2),
    }


def test_journey_step_and_rule_index_are_added_or_overwritten(con) -> None:
    table = ticket_table().drop_columns(["journey_step"])
    rules = [Rule("login", "subject", "contains", "log")]
    mapped = mapped_table(con, con.from_arrow(table), RuleSet("Get help", rules), journey())
    assert mapped.columns == [*table.column_names, "journey_step", "rule_index"]
    assert dict(mapped.project("ticket_id, journey_step").fetchall())["t1"] == "login"

    with_index = ticket_table().append_column("rule_index", pa.array(["stale"] * len(TICKETS)))
    remapped = mapped_table(con, con.from_arrow(with_index), RuleSet("Get help", rules), journey())
    assert remapped.columns.count("rule_index") == 1 and remapped.columns.index("journey_step") == 8
    assert dict(remapped.project("ticket_id, rule_index").fetchall()) == {
        "t1": 0, "t2": None, "t3": None, "t4": None, "t5": None, "t6": None,
    }


def test_sources_can_be_a_relation_a_query_or_a_parquet_file(con, tmp_path: Path) -> None:
    path = tmp_path / "v1.parquet"
    pq.write_table(ticket_table(), path)
    con.execute("CREATE TABLE tickets AS SELECT * FROM read_parquet(?)", [str(path)])
    rules = RuleSet("Get help", [Rule("shipping", "tags", "equals", "shipping")])
    for source in (con.table("tickets"), "FROM tickets", "SELECT * FROM tickets WHERE ticket_id <> 't1'", path):
        mapped = mapped_table(con, source, rules, journey())
        assert mapped.filter("journey_step = 'shipping'").project("ticket_id").fetchall() == [("t3",)]


def test_no_rules_leaves_everything_but_explicit_steps_unmapped(con) -> None:
    assert {t: s for t, (s, _) in steps_of(con, []).items() if s} == {"t4": "refund"}


# --- hostile input ---------------------------------------------------------------------------------


def test_a_catastrophic_regex_finishes_at_once_in_duckdb(con) -> None:
    evil = "a" * 50_000 + "b"  # (a+)+$ takes exponential time on a backtracking engine
    rows = [(f"e{i}", evil, [evil], "x", False, "EU", None) for i in range(200)]
    started = time.perf_counter()
    result = steps_of(con, [Rule("login", "subject", "regex", r"(a+)+$"), Rule("login", "tags", "regex", r"(a+)+$")],
                      ticket_table(rows))
    elapsed = time.perf_counter() - started
    assert set(result.values()) == {(None, None)}  # no match: the strings end in 'b'
    assert elapsed < 5, f"RE2 should be linear, took {elapsed:.1f}s"


@pytest.mark.parametrize("pattern", [r"(?<=a)b", r"(a)\1", r"(?!x)y", "[unclosed"])
def test_patterns_re2_rejects_are_problems_not_crashes(con, pattern: str) -> None:
    rules = [Rule("login", "subject", "contains", "log"), Rule("login", "subject", "regex", pattern, name="bad one")]
    problems = validate_rules(rules, journey(), ticket_table().column_names)
    assert [(p.where, p.path) for p in problems] == [("rule 2 'bad one'", ("rules", 1, "value"))]
    assert "regex engine (RE2) rejects this pattern" in problems[0].reason
    # Mapping skips the broken rule (named in a warning) and the others still place tickets.
    source = con.from_arrow(ticket_table())
    placed = mapped_table(con, source, RuleSet("Get help", rules), journey()).aggregate(
        "count_if(rule_index = 0), count_if(rule_index = 1)").fetchall()[0]
    assert placed[0] > 0 and placed[1] == 0
    assert mapping_warnings(con, source, RuleSet("Get help", rules), journey()) == [
        f"rule 2 'bad one' is skipped: {problems[0].reason}"]


def test_sql_looking_values_and_names_are_just_text(con) -> None:
    con.execute("CREATE TABLE x AS SELECT 1 AS keep")
    table = ticket_table().append_column('x_we"ird', pa.array(["a'b\"c\\"] * len(TICKETS)))
    rules = [
        Rule("billing", "subject", "equals", INJECTION),
        Rule("login", "subject", "regex", "'; DROP TABLE x; --|\\'"),
        Rule("refund", "category", "in", ["') OR 1=1 --", "x'); DROP TABLE x; --"]),
        Rule("shipping", 'x_we"ird', "equals", "a'b\"c\\"),
    ]
    result = steps_of(con, rules, table)
    assert result["t5"] == ("billing", 0)
    assert {t for t, (s, _) in result.items() if s == "shipping"} == {"t1", "t2", "t3", "t6"}
    assert con.execute("SELECT keep FROM x").fetchall() == [(1,)]  # table x still there
    problems = validate_rules([Rule("login", "'; DROP TABLE x; --", "equals", "a")], journey(), table.column_names)
    assert [p.path for p in problems] == [("rules", 0, "field")]


# --- validation ----------------------------------------------------------------------------------


def test_validation_reports_every_problem_at_once() -> None:
    rules = [
        Rule("nowhere", "subject", "equals", "x"),
        Rule("login", "region", "equals", "eu"),
        Rule("login", "Subject", "equals", "x"),
        Rule("login", "subject", "startswith", "x"),
        Rule("login", "subject", "contains", "   "),
        Rule("login", "subject", "equals", ["a", "b"]),
        Rule("login", "category", "in", []),
        Rule("", "", "regex", r"(a)\1"),
        Rule("login", "rule_index", "equals", "1"),
    ]
    columns = [*ticket_table().column_names, "rule_index"]
    found = [(p.path, p.reason) for p in validate_rules(rules, journey(), columns)]
    assert [path for path, _ in found] == [
        ("rules", 0, "step"),
        ("rules", 1, "field"),
        ("rules", 2, "field"),
        ("rules", 3, "op"),
        ("rules", 4, "value"),
        ("rules", 5, "value"),
        ("rules", 6, "value"),
        ("rules", 7, "step"),
        ("rules", 7, "field"),
        ("rules", 7, "value"),
        ("rules", 8, "field"),
    ]
    reasons = dict(found)
    assert "not in journey 'Get help'" in reasons[("rules", 0, "step")]
    assert "did you mean 'x_region'" in reasons[("rules", 1, "field")]
    assert "did you mean 'subject'" in reasons[("rules", 2, "field")]
    assert "use equals, contains, regex, in" in reasons[("rules", 3, "op")]
    assert "use 'in' for a list" in reasons[("rules", 5, "value")]
    assert validate_rules([Rule("login", "tags", "in", ["a", "b"])], journey(), columns) == []


def test_rules_round_trip_through_json_and_malformed_json_is_reported() -> None:
    rules = [Rule("login", "tags", "in", ["a", "b"], name="tags"), Rule("refund", "subject", "regex", r"\bref")]
    assert rules_from_json(rules_to_json(rules)) == rules
    assert parse_rules({"rules": [{"step": "login", "field": "csat", "op": "equals", "value": 5}]}) == [
        Rule("login", "csat", "equals", "5")
    ]
    with pytest.raises(JourneysError, match="not valid JSON"):
        rules_from_json("[{")
    with pytest.raises(JourneysError) as caught:
        parse_rules([{"step": "a", "field": "b", "op": "equals", "value": {"x": 1}, "colour": "red"}, 7])
    assert [p.where for p in caught.value.problems] == ["rule 1", "rule 1", "rule 2"]


# --- preview and the unmapped report -------------------------------------------------------------


def test_preview_counts_first_matches_shadowing_and_explicit_overrides(con) -> None:
    rules = [
        Rule("login", "subject", "regex", "log ?in|password"),  # t1, t6
        Rule("billing", "category", "in", ["billing"]),  # t2 (t4 matches but keeps its explicit step)
        Rule("refund", "tags", "contains", "refund", name="refund tag"),  # t2 only: shadowed by rule 2
        Rule("shipping", "x_region", "equals", "eu"),  # t3; t1/t6 shadowed
    ]
    frame = preview(con, con.from_arrow(ticket_table()), RuleSet("Get help", rules), journey())
    assert frame.attrs["tickets"] == len(TICKETS)
    assert frame.to_dict("records") == [
        {"rule_index": 0, "rule": "subject regex log ?in|password", "step": "login",
         "matched": 2, "shadowed": 0, "overridden": 0},
        {"rule_index": 1, "rule": "category in billing", "step": "billing",
         "matched": 1, "shadowed": 0, "overridden": 1},
        {"rule_index": 2, "rule": "refund tag", "step": "refund", "matched": 0, "shadowed": 1, "overridden": 0},
        {"rule_index": 3, "rule": "x_region equals eu", "step": "shipping",
         "matched": 1, "shadowed": 2, "overridden": 0},
    ]
    no_rows = preview(con, con.from_arrow(ticket_table()).filter("false"), RuleSet("Get help", rules), journey())
    assert no_rows.attrs["tickets"] == 0 and set(no_rows["matched"]) == {0}
    empty = preview(con, con.from_arrow(ticket_table()), RuleSet("Get help", []), journey())
    assert empty.empty and list(empty.columns) == ["rule_index", "rule", "step", "matched", "shadowed", "overridden"]


def test_unmapped_report_counts_and_suggests_the_next_rule(con) -> None:
    rows = [
        ("u1", "Refund not received", ["refund", "Billing"], "Payments", False, "EU", None),
        ("u2", "Refund please!!", ["REFUND"], "payments", False, "EU", None),
        ("u3", "Where is my refund refund", ["refund", "refund"], "Payments ", False, "EU", None),
        ("u4", "Hi, the app crashes", ["app"], "Bugs", False, "EU", None),
        ("m1", "Cannot log in", ["login"], "Account", False, "EU", None),
        ("e1", "Invoice", ["refund"], "Billing", False, "EU", "billing"),
    ]
    rules = RuleSet("Get help", [Rule("login", "tags", "equals", "login")])
    report = unmapped_report(con, con.from_arrow(ticket_table(rows)), rules, journey(), top=2)
    assert {k: report[k] for k in ("tickets", "unmapped", "by_rules", "explicit")} == {
        "tickets": 6, "unmapped": 4, "by_rules": 1, "explicit": 1,
    }
    assert report["share"] == pytest.approx(4 / 6)
    assert report["top_tags"] == [  # each tag once per ticket, lower-cased
        {"value": "refund", "tickets": 3, "share": 0.75, "rule": {"field": "tags", "op": "equals", "value": "refund"}},
        {"value": "app", "tickets": 1, "share": 0.25, "rule": {"field": "tags", "op": "equals", "value": "app"}},
    ]
    assert [(c["value"], c["tickets"]) for c in report["top_categories"]] == [("payments", 3), ("bugs", 1)]
    assert [(w["value"], w["tickets"]) for w in report["top_subject_words"]] == [("refund", 3), ("app", 1)]
    assert report["top_subject_words"][0]["rule"] == {"field": "subject", "op": "contains", "value": "refund"}

    everything = RuleSet("Get help", [Rule("billing", "ticket_id", "regex", ".")])
    done = unmapped_report(con, con.from_arrow(ticket_table(rows)), everything, journey())
    assert (done["unmapped"], done["share"], done["top_tags"]) == (0, 0.0, [])
    empty = unmapped_report(con, con.from_arrow(ticket_table(rows)).filter("false"), everything, journey())
    assert (empty["tickets"], empty["share"]) == (0, 0.0)


# --- versioned storage (both backends) -----------------------------------------------------------


def test_rules_are_versioned_and_a_stale_save_is_refused(store: Store) -> None:
    tickets = TicketStore(store)
    assert tickets.load_rules(WS, "Get help") == RuleSet("Get help", [], 0)
    assert tickets.rules_history(WS, "Get help") == []

    first = [Rule("login", "subject", "contains", "log in", name="login")]
    assert tickets.save_rules(WS, "Get help", first, "Ana", "First rules", expected_version=0) == 1
    loaded = tickets.load_rules(WS, "Get help")
    assert (loaded.rules, loaded.version) == (first, 1)

    second = [*first, Rule("refund", "tags", "in", ["refund", "chargeback"])]
    assert tickets.save_rules(WS, "Get help", second, "Bo", "Refunds", expected_version=1) == 2

    with pytest.raises(StaleWrite, match=r"changed by Bo .* \(version 2\); your copy is version 1") as caught:
        tickets.save_rules(WS, "Get help", [], "Cy", "Clear", expected_version=1)
    assert (caught.value.current, caught.value.saved_by) == (2, "Bo")
    assert tickets.load_rules(WS, "Get help").rules == second  # the stale save changed nothing

    history = tickets.rules_history(WS, "Get help")
    assert [(r.version, r.author, r.message) for r in history] == [(2, "Bo", "Refunds"), (1, "Ana", "First rules")]
    assert tickets.rules_revision(WS, "Get help", 1).rules == first
    with pytest.raises(NotFound, match="no version 7"):
        tickets.rules_revision(WS, "Get help", 7)
    # Rules are per journey and per workspace.
    assert tickets.load_rules(WS, "Onboarding").version == 0
    assert tickets.load_rules("Other team", "Get help").version == 0
    with pytest.raises(JourneysError, match="no saved mapping rules"):
        tickets.save_rules(WS, "Onboarding", first, "Ana", expected_version=3)


def test_saving_rules_refuses_broken_rules(store: Store) -> None:
    tickets = TicketStore(store)
    with pytest.raises(JourneysError, match="have problems") as caught:
        tickets.save_rules(WS, "Get help", [Rule("login", "subject", "regex", r"(?<=a)b"),
                                            Rule("login", "subject", "like", "x")], "Ana")
    assert [p.path for p in caught.value.problems] == [("rules", 0, "value"), ("rules", 1, "op")]
    assert tickets.rules_history(WS, "Get help") == []
    assert check_rules([Rule("login", "subject", "equals", INJECTION)]) == []


def test_concurrent_rule_saves_on_the_same_version_let_exactly_one_win(store: Store) -> None:
    tickets = TicketStore(store)
    tickets.save_rules(WS, "Get help", [Rule("login", "subject", "contains", "log")], "Ana")
    editors = 4
    barrier = threading.Barrier(editors)
    outcomes: list[object] = []

    def save(who: str) -> None:
        rules = [Rule("refund", "subject", "contains", who)]
        barrier.wait()
        try:
            outcomes.append(tickets.save_rules(WS, "Get help", rules, who, expected_version=1))
        except BaseException as error:
            outcomes.append(error)

    threads = [threading.Thread(target=save, args=(f"editor{i}",)) for i in range(editors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count(2) == 1
    assert sum(isinstance(o, StaleWrite) for o in outcomes) == editors - 1
    head = tickets.load_rules(WS, "Get help")
    winner = tickets.rules_history(WS, "Get help")[0].author
    assert head.version == 2 and head.rules == [Rule("refund", "subject", "contains", winner)]
