"""Mapping rules: how tickets land on journey steps.

A rule set is an ordered list of :class:`Rule`; the first rule a ticket matches
decides its step. A ticket that already carries an explicit ``journey_step``
naming a step of the journey keeps it: the export knows better than a rule.

All matching runs in DuckDB as one ``CASE WHEN`` over the whole table, never in
a Python loop. Everything a user typed reaches SQL only as a string literal
quoted by :func:`sql_string` (quotes doubled; DuckDB strings have no other
escape), and column names only after they were checked against the table's
columns and quoted as identifiers, so a value like ``'; DROP TABLE x; --`` is
just text to compare with. Regexes run on DuckDB's RE2 engine, which works in
linear time and cannot backtrack catastrophically (``(a+)+$`` on a long string
of ``a`` is instant); patterns RE2 does not support (look-around,
back-references) are reported by :func:`validate_rules` as problems.

Matching is case-insensitive. A list column (``tags``) matches when ANY of its
items does. ``equals`` and ``in`` ignore surrounding spaces; ``contains`` is a
substring test; ``regex`` is a search (anchor with ``^…$`` for a full match).
Non-text columns are compared as their text (``escalated`` → ``'true'``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from duckdb.sqltypes import DuckDBPyType

from journeys.bounded import clipped, some_of
from journeys.errors import JourneysError, Problem
from journeys.model import Journey
from journeys.tickets.canonical import NAMES

OPS: tuple[str, ...] = ("equals", "contains", "regex", "in")
STEP_COLUMN = "journey_step"
TOPIC_COLUMN = "topic"  # joined from the dataset's current topics (journeys.tickets.engine.ticket_source)
RULE_INDEX_COLUMN = "rule_index"
_FIRST = "__journeys_first_rule"  # internal column names, removed again before returning
_EXPLICIT = "__journeys_explicit_step"
_TAG = "__journeys_item"  # lambda parameter for list columns
COLUMNS_SHOWN = 30  # columns a refusal lists before "… and N more"
NO_DATASET = "the ticket columns (no dataset is imported yet)"
ANY_DATASET = "any dataset of this workspace"

# Words that say nothing about where a ticket belongs (subject-word suggestions skip them).
_STOPWORDS = (
    "the", "and", "for", "with", "you", "your", "our", "are", "was", "not", "but", "can", "cant", "can't", "how",
    "what", "why", "when", "who", "this", "that", "from", "have", "has", "had", "hi", "hello", "please", "help",
    "need", "issue", "problem", "question", "re", "fw", "fwd", "get", "got", "does", "doesn", "don", "dont", "its",
    "any", "all", "about", "into", "out", "there", "their", "them", "they", "will", "would", "could", "should",
    "able", "unable", "still", "just", "yet", "also", "urgent", "asap", "thanks", "thank",
)


@dataclass(frozen=True)
class Rule:
    """Land tickets whose ``field`` satisfies ``op value`` on ``step``.

    ``op`` is one of :data:`OPS`. ``value`` is one string, or for ``in`` a list
    of strings (a single string is taken as a one-item list). ``field`` is a
    canonical column or an extra column (``x_<name>``).
    """

    step: str
    field: str
    op: str
    value: str | list[str]
    name: str = ""

    @property
    def values(self) -> list[str]:
        """The value(s) as a list (``in`` has several, the other operators one)."""
        return list(self.value) if isinstance(self.value, list | tuple) else [self.value]

    def describe(self, topics: dict[str, str] | None = None) -> str:
        """How the rule reads in a table: its name, else ``field op value``; a topic rule with the topic's
        label when ``topics`` (id → label, passed in by the caller) knows it: ``topic equals T4 (Refunds)``."""
        if self.name:
            return self.name
        shown = ", ".join(map(str, self.values)) if self.op == "in" else str(self.value)
        if self.field == TOPIC_COLUMN and topics:
            shown = ", ".join(f"{v} ({topics[v]})" if v in topics else v for v in self.values)
        return f"{self.field} {self.op} {shown}"

    def to_dict(self) -> dict[str, Any]:
        value = self.values if self.op == "in" else self.value
        return {"name": self.name, "step": self.step, "field": self.field, "op": self.op, "value": value}


@dataclass
class RuleSet:
    """A journey's ordered rules and the stored version they were loaded at (0: never saved)."""

    journey: str
    rules: list[Rule] = field(default_factory=list)
    version: int = 0


# --- reading rules from JSON ---------------------------------------------------------------------


def rules_to_json(rules: Iterable[Rule]) -> str:
    """The stored / exported form: a JSON list of objects (name, step, field, op, value)."""
    return json.dumps([r.to_dict() for r in rules], ensure_ascii=False)


def parse_rules(data: Any) -> list[Rule]:
    """Rules from decoded JSON (a list of objects); JourneysError listing every malformed entry.

    Only the shape is checked here; :func:`check_rules` / :func:`validate_rules`
    judge the content.
    """
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
    if not isinstance(data, list):
        raise JourneysError("Mapping rules must be a list of rules (objects with step, field, op and value)")
    rules: list[Rule] = []
    problems: list[Problem] = []
    for i, item in enumerate(data):
        rule = _parse_rule(i, item, problems)
        if rule is not None:
            rules.append(rule)
    if problems:
        raise JourneysError("The mapping rules could not be read", problems)
    return rules


def _parse_rule(i: int, item: Any, problems: list[Problem]) -> Rule | None:
    """Rule ``i`` of a decoded list, its shape's problems added to ``problems`` (None: no rule to keep)."""
    where = f"rule {i + 1}"
    if not isinstance(item, dict):
        problems.append(Problem(where, "is not an object with step, field, op and value", ("rules", i)))
        return None
    unknown = sorted(set(item) - {"name", "step", "field", "op", "value"})
    if unknown:
        problems.append(Problem(where, f"unknown key(s) {', '.join(map(repr, unknown))}", ("rules", i)))
    texts = {}
    for key in ("step", "field", "op", "name"):
        raw = item.get(key, "")
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            problems.append(Problem(where, f"'{key}' must be text", ("rules", i, key)))
            raw = ""
        texts[key] = raw
    value = item.get("value", "")
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            problems.append(Problem(where, "every item of 'value' must be text", ("rules", i, "value")))
            return None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    elif not isinstance(value, str):
        problems.append(Problem(where, "'value' must be text or a list of text", ("rules", i, "value")))
        return None
    return Rule(step=texts["step"], field=texts["field"], op=texts["op"], value=value, name=texts["name"])


def rules_from_json(text: str) -> list[Rule]:
    """Rules from JSON text (the CLI's rules file, a stored rule set)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise JourneysError(f"The mapping rules are not valid JSON (line {error.lineno}: {error.msg})") from None
    return parse_rules(data)


# --- validation ----------------------------------------------------------------------------------


def _where(index: int, rule: Rule) -> str:
    return f"rule {index + 1}" + (f" '{rule.name}'" if rule.name else "")


def regex_problem(pattern: str, con: duckdb.DuckDBPyConnection | None = None) -> str | None:
    """Why DuckDB's RE2 refuses ``pattern`` (compiled with the rules' options, in RE2's words with a hint),
    or None when it compiles."""
    own = con is None
    con = duckdb.connect() if con is None else con
    try:
        con.execute("SELECT regexp_matches('', ?, 'i')", [pattern]).fetchall()
    except duckdb.Error as error:
        reason = str(error).split("Error: ", 1)[-1].strip()
        hint = ""
        if "perl operator" in reason or "escape sequence" in reason:
            hint = " (RE2 has no look-arounds or back-references)"
        return f"{reason}{hint}"
    finally:
        if own:
            con.close()
    return None


def check_rules(rules: Sequence[Rule]) -> list[Problem]:
    """Every problem a rule has on its own: operator, empty step/field/value, a regex RE2 rejects.

    What a rule set must satisfy to be stored; :func:`validate_rules` adds the
    checks against a journey and a dataset.
    """
    problems: list[Problem] = []
    con: duckdb.DuckDBPyConnection | None = None
    try:
        for i, rule in enumerate(rules):
            where = _where(i, rule)
            if not str(rule.step or "").strip():
                problems.append(Problem(where, "has no step", ("rules", i, "step"), code="no_step"))
            if not str(rule.field or "").strip():
                problems.append(Problem(where, "has no column to test", ("rules", i, "field"), code="no_column"))
            if rule.op not in OPS:
                problems.append(
                    Problem(where, f"unknown operator '{rule.op}'; use {', '.join(OPS)}", ("rules", i, "op"))
                )
                continue
            if rule.op != "in" and isinstance(rule.value, list | tuple):
                problems.append(
                    Problem(where, f"'{rule.op}' takes one value; use 'in' for a list", ("rules", i, "value"))
                )
                continue
            values = rule.values
            if any(not isinstance(v, str) for v in values):
                problems.append(Problem(where, "values must be text", ("rules", i, "value")))
                continue
            if not values or any(not v.strip() for v in values):
                problems.append(Problem(where, "has an empty value", ("rules", i, "value"), code="empty_value"))
                continue
            if rule.op == "regex":
                con = con or duckdb.connect()
                refusal = regex_problem(values[0], con)
                if refusal:
                    problems.append(Problem(where, f"DuckDB's regex engine (RE2) rejects this pattern: {refusal}",
                                            ("rules", i, "value"), code="pattern_refused", detail=refusal))
    finally:
        if con is not None:
            con.close()
    return problems


def validate_rules(rules: Sequence[Rule], journey: Journey, columns: Sequence[str], *,
                   columns_of: str = "the dataset") -> list[Problem]:
    """Every problem of the rules against a journey and a dataset's columns (empty list: all good).

    Reports unknown steps and columns, unknown operators, empty values and
    regexes RE2 (DuckDB's engine) rejects, all at once. An unknown column's
    refusal lists the columns there are (the first :data:`COLUMNS_SHOWN`);
    ``columns_of`` says whose columns they are.
    """
    problems = check_rules(rules)
    steps = set(journey.step_ids())
    known = [c for c in columns if c != RULE_INDEX_COLUMN]
    for i, rule in enumerate(rules):
        where = _where(i, rule)
        if rule.step and rule.step not in steps:
            problems.append(
                Problem(where, f"step '{rule.step}' is not in journey '{journey.name}'", ("rules", i, "step"))
            )
        if rule.field == TOPIC_COLUMN and rule.field not in known:
            problems.append(Problem(where, f"topic {clipped(', '.join(rule.values), 80)}: this dataset has no topics "
                                           "yet — discover them on the Topics page", ("rules", i, "field"),
                                    code="no_topics"))
        elif rule.field and rule.field not in known:
            field = clipped(rule.field, 80)
            hint = ""
            if "x_" + rule.field in known:
                hint = f"; did you mean 'x_{field}' (extra columns start with x_)?"
            else:
                folded = [c for c in known if c.casefold() == rule.field.casefold()]
                if folded:
                    hint = f"; did you mean '{clipped(folded[0], 80)}'?"
            listing = f"; the columns there: {some_of(known, shown=COLUMNS_SHOWN)}" if known and not hint else ""
            problems.append(
                Problem(where, f"column '{field}' is not in {columns_of}{hint}{listing}", ("rules", i, "field"))
            )
    problems.sort(key=lambda p: p.path[1] if len(p.path) > 1 and isinstance(p.path[1], int) else -1)
    return problems


def dataset_columns(paths: Iterable[Path | str]) -> list[str]:
    """The columns of these Parquet datasets together (footers only), in first-seen order; rules may test any."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    found: dict[str, None] = {}
    for path in paths:
        try:
            names = pq.read_schema(str(path)).names
        except (OSError, pa.ArrowInvalid):  # a dataset file gone or unreadable: its columns are not there
            continue
        found.update(dict.fromkeys(n for n in names if n not in (STEP_COLUMN, RULE_INDEX_COLUMN)))
    return list(found)


def rule_columns(paths: Sequence[Path | str]) -> tuple[list[str], str]:
    """The columns a new rule may test, and whose they are in words.

    Every column of every dataset of the workspace (``paths``: their Parquet files), canonical
    and ``x_`` extras alike. With no dataset yet, the canonical ticket columns: a rule written
    before the first import is still checked, and an ``x_`` extra column is refused until a
    dataset that has it is imported (nothing could say it exists).
    """
    if not paths:
        return [c for c in NAMES if c != STEP_COLUMN], NO_DATASET
    return dataset_columns(paths), ANY_DATASET


def added_rule_problems(current: Sequence[Rule], rule: Rule, journey: Journey, columns: Sequence[str], *,
                        columns_of: str = ANY_DATASET) -> list[Problem]:
    """The problems of ``rule`` appended to ``current``: only the new rule is judged.

    A rule saved long ago whose column has gone since is skipped when tickets are mapped (see
    :func:`mapping_warnings`); it must not stop a new, correct rule from being added.
    """
    n = len(current)
    return [p for p in validate_rules([*current, rule], journey, columns, columns_of=columns_of)
            if len(p.path) > 1 and p.path[1] == n]


def _broken(rules: Sequence[Rule], journey: Journey, columns: Sequence[str]) -> dict[int, list[Problem]]:
    """The rules that cannot run on this table and journey, by index, with why."""
    broken: dict[int, list[Problem]] = {}
    for p in validate_rules(rules, journey, columns):
        if len(p.path) > 1 and isinstance(p.path[1], int):
            broken.setdefault(p.path[1], []).append(p)
    return broken


def _skipped(broken: dict[int, list[Problem]]) -> list[str]:
    return [f"{problems[0].where} is skipped: " + "; ".join(p.reason for p in problems)
            for _, problems in sorted(broken.items())]


def mapping_warnings(con: duckdb.DuckDBPyConnection, source: Any, rule_set: RuleSet, journey: Journey) -> list[str]:
    """The rules mapping skips on this source, each with why (empty: every rule runs).

    Reads only the source's columns (a Parquet footer), so a cached mapped table can say
    what was skipped when it was built.
    """
    return _skipped(_broken(rule_set.rules, journey, _relation(con, source).columns))


# --- SQL building ---------------------------------------------------------------------------------


def sql_string(value: str) -> str:
    """A DuckDB string literal holding exactly ``value`` (quotes doubled; no other escapes exist)."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A quoted DuckDB identifier (so 'group' or 'x_Region (EU)' are just names)."""
    return '"' + str(name).replace('"', '""') + '"'


def _sql_list(values: Sequence[str]) -> str:
    return "([" + ", ".join(sql_string(v) for v in values) + "]::VARCHAR[])"


def _item_test(op: str, values: list[str], item: str) -> str:
    """SQL testing one text ``item`` expression against the rule (case-insensitive)."""
    if op == "equals":
        return f"lower(trim({item})) = lower(trim({sql_string(values[0])}))"
    if op == "contains":
        return f"contains(lower({item}), lower({sql_string(values[0])}))"
    if op == "regex":
        return f"regexp_matches({item}, {sql_string(values[0])}, 'i')"
    if op == "in":
        listed = ", ".join(f"lower(trim({sql_string(v)}))" for v in values)
        return f"lower(trim({item})) IN ({listed})"
    raise JourneysError(f"unknown operator '{op}'")


def _as_text(expr: str, type_: DuckDBPyType | None) -> str:
    return expr if type_ is not None and str(type_) == "VARCHAR" else f"CAST({expr} AS VARCHAR)"


def _condition(rule: Rule, types: dict[str, DuckDBPyType]) -> str:
    """The rule as a boolean SQL expression (never NULL) over the table's columns."""
    type_ = types[rule.field]
    column = sql_identifier(rule.field)
    if type_.id == "list":
        child = type_.child if hasattr(type_, "child") else None
        test = _item_test(rule.op, rule.values, _as_text(_TAG, child))
        return f"coalesce(len(list_filter({column}, lambda {_TAG}: {test})) > 0, false)"
    return f"coalesce({_item_test(rule.op, rule.values, _as_text(column, type_))}, false)"


def _explicit_step(types: dict[str, DuckDBPyType], journey: Journey) -> str:
    """SQL for the ticket's own journey_step when it names a step of the journey (NULL otherwise).

    Exact ids first, then a case-/space-insensitive match, answering the step's real id.
    """
    if STEP_COLUMN not in types:
        return "CAST(NULL AS VARCHAR)"
    ids = journey.step_ids()
    raw = _as_text(sql_identifier(STEP_COLUMN), types[STEP_COLUMN])
    exact, folded = _sql_list(ids), _sql_list([i.lower() for i in ids])
    return (
        f"CASE WHEN list_contains({exact}, {raw}) THEN {raw} "
        f"ELSE {exact}[list_position({folded}, lower(trim({raw})))] END"
    )


def _first_match(conditions: Sequence[str]) -> str:
    """ONE CASE WHEN: the index of the first rule whose condition holds (NULL when none)."""
    if not conditions:
        return "CAST(NULL AS INTEGER)"
    whens = " ".join(f"WHEN {c} THEN {i}" for i, c in enumerate(conditions))
    return f"CAST(CASE {whens} END AS INTEGER)"


def _relation(con: duckdb.DuckDBPyConnection, source: Any) -> duckdb.DuckDBPyRelation:
    """A relation from a relation, a SQL query (``FROM tickets`` will do) or a Parquet file path."""
    if isinstance(source, duckdb.DuckDBPyRelation):
        return source
    if isinstance(source, Path):
        return con.read_parquet(str(source))
    if isinstance(source, str):
        return con.sql(source)
    raise TypeError(f"source must be a DuckDB relation, a SQL query or a Parquet path, not {type(source).__name__}")


def _prepared(
    con: duckdb.DuckDBPyConnection, source: Any, rule_set: RuleSet, journey: Journey
) -> tuple[duckdb.DuckDBPyRelation, dict[str, DuckDBPyType], list[str], list[str]]:
    """The source relation, its column types, each rule's condition and the skipped rules' warnings.

    A rule that cannot run (its column is not in the table, its step not in the journey, a
    regex RE2 rejects, a rule saved before such checks existed) gets the condition ``false``:
    it places no ticket, every other rule keeps its place and index, and a warning says why.
    """
    rel = _relation(con, source)
    types = dict(zip(rel.columns, rel.types, strict=True))
    broken = _broken(rule_set.rules, journey, rel.columns)
    conditions = ["false" if i in broken else _condition(r, types) for i, r in enumerate(rule_set.rules)]
    return rel, types, conditions, _skipped(broken)


# --- the operations --------------------------------------------------------------------------------


def mapped_table(
    con: duckdb.DuckDBPyConnection, source_sql_or_relation: Any, rule_set: RuleSet, journey: Journey
) -> duckdb.DuckDBPyRelation:
    """The source with ``journey_step`` set (added or overwritten) and ``rule_index`` added.

    ``journey_step`` is the ticket's own step when it names a step of the
    journey, else the step of the first matching rule, else NULL (unmapped).
    ``rule_index`` is the 0-based index of the rule that placed the ticket,
    NULL when the ticket kept its explicit step or is unmapped. Lazy: nothing
    runs until the relation is read. A rule that does not fit the journey or
    the table is skipped (it places no ticket); :func:`mapping_warnings` says which.
    """
    rel, types, conditions, _ = _prepared(con, source_sql_or_relation, rule_set, journey)
    steps = _sql_list([r.step for r in rule_set.rules])
    explicit = _explicit_step(types, journey)
    with_first = rel.project(f"*, {_first_match(conditions)} AS {_FIRST}, {explicit} AS {_EXPLICIT}")
    step = f"coalesce({_EXPLICIT}, {steps}[{_FIRST} + 1])"
    index = f"CASE WHEN {_EXPLICIT} IS NULL THEN {_FIRST} END AS {RULE_INDEX_COLUMN}"
    excluded = [_FIRST, _EXPLICIT] + ([RULE_INDEX_COLUMN] if RULE_INDEX_COLUMN in types else [])
    exclude = "EXCLUDE (" + ", ".join(sql_identifier(c) for c in excluded) + ")"
    if STEP_COLUMN in types:
        return with_first.project(f"* {exclude} REPLACE ({step} AS {STEP_COLUMN}), {index}")
    return with_first.project(f"* {exclude}, {step} AS {STEP_COLUMN}, {index}")


def preview(con: duckdb.DuckDBPyConnection, source: Any, rule_set: RuleSet, journey: Journey) -> pd.DataFrame:
    """What each rule does on the data, in one pass.

    One row per rule: ``rule_index``, ``rule`` (its name or ``field op value``),
    ``step``, ``matched`` (tickets this rule places: it is the first match),
    ``shadowed`` (tickets it matches that an earlier rule already placed; a
    rule with matched 0 and shadowed > 0 never fires), ``overridden``
    (tickets it matches that keep their explicit journey_step). The table's
    ticket count is in ``DataFrame.attrs["tickets"]``, the skipped rules' warnings
    (see :func:`mapped_table`) in ``DataFrame.attrs["warnings"]``.
    """
    rel, types, conditions, warnings = _prepared(con, source, rule_set, journey)
    columns = ["rule_index", "rule", "step", "matched", "shadowed", "overridden"]
    if not conditions:
        frame = pd.DataFrame({c: pd.Series(dtype="int64" if c not in ("rule", "step") else "object")
                              for c in columns})
        frame.attrs["tickets"] = int(rel.aggregate("count(*)").fetchall()[0][0])
        frame.attrs["warnings"] = warnings
        return frame
    flags = [f"{c} AS c{i}" for i, c in enumerate(conditions)]
    explicit = f"({_explicit_step(types, journey)}) IS NOT NULL AS e"
    tested = rel.project(", ".join([*flags, explicit]))
    first = _first_match([f"c{i}" for i in range(len(conditions))])
    ranked = tested.project(f"*, {first} AS f")
    aggregates = ["count(*) AS tickets"]
    for i in range(len(conditions)):
        aggregates += [
            f"count_if(f = {i} AND NOT e) AS m{i}",
            f"count_if(c{i} AND f < {i} AND NOT e) AS s{i}",
            f"count_if(c{i} AND e) AS o{i}",
        ]
    counts = ranked.aggregate(", ".join(aggregates)).fetchall()[0]
    rows = [
        {
            "rule_index": i,
            "rule": rule.describe(),
            "step": rule.step,
            "matched": int(counts[1 + 3 * i] or 0),  # count_if of no rows is NULL
            "shadowed": int(counts[2 + 3 * i] or 0),
            "overridden": int(counts[3 + 3 * i] or 0),
        }
        for i, rule in enumerate(rule_set.rules)
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame.attrs["tickets"] = int(counts[0])
    frame.attrs["warnings"] = warnings
    return frame


def _top(rel: duckdb.DuckDBPyRelation, value_sql: str, top: int, unmapped: int) -> list[dict[str, Any]]:
    """The ``top`` most frequent values of ``value_sql`` (one row per value and ticket) with counts and shares."""
    counted = (
        rel.project(f"{value_sql} AS value")
        .filter("value IS NOT NULL AND value <> ''")
        .aggregate("value, count(*) AS tickets", "value")
        .order("tickets DESC, value")
        .limit(top)
        .fetchall()
    )
    return [
        {"value": value, "tickets": int(n), "share": (n / unmapped) if unmapped else 0.0} for value, n in counted
    ]


def unmapped_report(
    con: duckdb.DuckDBPyConnection, source: Any, rule_set: RuleSet, journey: Journey, top: int = 10
) -> dict[str, Any]:
    """How many tickets no rule places, and what they have in common, to suggest the next rule.

    Returns ``tickets``, ``unmapped``, ``share`` (unmapped / tickets; 0.0 for
    an empty table), ``by_rules`` and ``explicit`` (how the others were
    placed), and the most frequent ``top_tags``, ``top_categories`` and
    ``top_subject_words`` among unmapped tickets (lower-cased, each counted
    once per ticket; short and filler words skipped). Every top item is
    ``{"value", "tickets", "share" (of the unmapped), "rule"}`` where
    ``rule`` is a ready rule body (field, op, value) to give a step to.
    """
    mapped = mapped_table(con, source, rule_set, journey)
    counts = mapped.aggregate(
        f"count(*), count_if({STEP_COLUMN} IS NULL), count_if({RULE_INDEX_COLUMN} IS NOT NULL), "
        f"count_if({STEP_COLUMN} IS NOT NULL AND {RULE_INDEX_COLUMN} IS NULL)"
    ).fetchall()[0]
    tickets, unmapped, by_rules, explicit = (int(n or 0) for n in counts)  # count_if of no rows is NULL
    report: dict[str, Any] = {
        "tickets": tickets,
        "unmapped": unmapped,
        "share": unmapped / tickets if tickets else 0.0,
        "by_rules": by_rules,
        "explicit": explicit,
        "top_tags": [],
        "top_categories": [],
        "top_subject_words": [],
    }
    if not unmapped or top <= 0:
        return report
    rest = mapped.filter(f"{STEP_COLUMN} IS NULL")
    types = dict(zip(rest.columns, rest.types, strict=True))
    if "tags" in types and types["tags"].id == "list":
        item = _as_text(_TAG, getattr(types["tags"], "child", None))
        value = f"unnest(list_distinct(list_transform(tags, lambda {_TAG}: lower(trim({item})))))"
        report["top_tags"] = [
            {**t, "rule": {"field": "tags", "op": "equals", "value": t["value"]}}
            for t in _top(rest, value, top, unmapped)
        ]
    if "category" in types:
        value = f"lower(trim({_as_text('category', types['category'])}))"
        report["top_categories"] = [
            {**t, "rule": {"field": "category", "op": "equals", "value": t["value"]}}
            for t in _top(rest, value, top, unmapped)
        ]
    if "subject" in types:
        words = f"regexp_split_to_array(lower({_as_text('subject', types['subject'])}), '[^\\p{{L}}\\p{{N}}]+')"
        keep = (
            f"length({_TAG}) >= 3 AND NOT list_contains({_sql_list(_STOPWORDS)}, {_TAG}) "
            f"AND NOT regexp_matches({_TAG}, '^[0-9]+$')"
        )
        value = f"unnest(list_distinct(list_filter({words}, lambda {_TAG}: {keep})))"
        report["top_subject_words"] = [
            {**t, "rule": {"field": "subject", "op": "contains", "value": t["value"]}}
            for t in _top(rest, value, top, unmapped)
        ]
    return report
