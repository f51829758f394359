"""Mermaid journey diagrams: import of real diagrams, the round trip where representable, bad files."""

from __future__ import annotations

import re
import textwrap
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import strategies as st

from journeys.errors import InvalidJourney
from journeys.graph import check
from journeys.interop import (
    EXPORT_FORMATS,
    FORMATS,
    export_journey,
    guess_format,
    import_journey,
    read_journey,
    revision_from_file,
)
from journeys.interop.mermaid import task_order
from journeys.model import DEFAULT_LANES, Journey, Step, Transition
from tests.strategies import REALISTIC_LABELS, examples, journeys
from tests.tickets.samples.mermaid_journey import docs_example, skeleton, wiki_page

FAST = examples(150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

BILLING = """\
journey
    title Get help with billing
    section Get help
      Search help centre: 3: customer
      Chat with bot: 2: customer, bot
"""


def _import(text: str | bytes, filename: str | None = None) -> Journey:
    return import_journey(text, "mermaid", filename)


def _problems(error: pytest.ExceptionInfo[InvalidJourney]) -> list[tuple[str, str]]:
    return [(p.where, p.reason) for p in error.value.problems]


def _bad(text: str) -> list[tuple[str, str]]:
    with pytest.raises(InvalidJourney) as error:
        _import(textwrap.dedent(text))
    assert error.value.message == "The Mermaid file could not be imported"
    return _problems(error)


# ---------------------------------------------------------------- import

def test_the_documented_example() -> None:
    journey = _import(BILLING)
    assert journey.name == "Get help with billing"
    assert journey.stages == ["Get help"]
    assert journey.lanes == DEFAULT_LANES
    assert journey.personas == ["bot"]
    assert [(s.id, s.label, s.stage, s.lane, s.emotion, s.kind) for s in journey.steps] == [
        ("search-help-centre", "Search help centre", "Get help", "customer", 0, "touchpoint"),
        ("chat-with-bot", "Chat with bot", "Get help", "customer", -1, "outcome"),
    ]
    assert [(t.source, t.target, t.kind) for t in journey.transitions] == [
        ("search-help-centre", "chat-with-bot", "normal")]


def test_mermaids_own_example_with_comments_and_accessibility_lines() -> None:
    journey = _import(textwrap.dedent("""\
        %% a comment before the header
        journey
            accTitle: My working day
            accDescr: How a day at work feels
            %% a comment
            # a hash comment
            section Go to work
              Make tea: 5: Me
              Go upstairs: 3: Me
              Do work: 1: Me, Cat
            section Go home
              Go downstairs: 5: Me
              Sit down: 5: Me  # inline comment
              Make tea: 4: Me, Backstage
        """))
    assert journey.name == "My working day"  # no title: accTitle
    assert journey.description == "How a day at work feels"
    assert journey.stages == ["Go to work", "Go home"]
    assert journey.personas == ["Me", "Cat"]
    assert [s.emotion for s in journey.steps] == [2, 0, -2, 2, 2, 1]
    assert journey.steps[-1].lane == "backstage"  # lane names match case-insensitively
    assert [s.id for s in journey.steps] == ["make-tea", "go-upstairs", "do-work", "go-downstairs", "sit-down",
                                            "make-tea-2"]
    assert len(journey.transitions) == 5


def test_the_first_lane_actor_gives_the_lane_and_other_lanes_are_not_personas() -> None:
    journey = _import("journey\ntitle t\nsection s\nRefund: 4: Ana, SYSTEM, backstage, Bob\n")
    assert journey.steps[0].lane == "system"
    assert journey.personas == ["Ana", "Bob"]


def test_name_falls_back_to_the_file_name_then_a_default() -> None:
    body = "journey\nsection s\ntask: 3\n"
    assert _import(body, filename="exports/Onboarding flow.mmd").name == "Onboarding flow"
    assert _import(body).name == "Imported journey"
    assert _import("---\ntitle: From front matter\n---\n" + body).name == "From front matter"


def test_multi_line_description_and_repeated_sections() -> None:
    journey = _import(textwrap.dedent("""\
        journey
          title Renewal
          accDescr {
            First line
            second line
          }
          section Use
            Use it: 4
          section Renew
            Pay: 2
          section Use
            Use it again: 3
        """))
    assert journey.description == "First line\n    second line"
    assert journey.stages == ["Use", "Renew"]
    assert [s.stage for s in journey.steps] == ["Use", "Renew", "Use"]


def test_markdown_file_reads_the_journey_block_with_file_line_numbers() -> None:
    markdown = textwrap.dedent("""\
        # Our journeys

        ```mermaid
        flowchart LR
          A --> B
        ```

        ```mermaid
        journey
          title From the wiki
          section Sign up
            Fill in form: seven: customer
        ```
        """)
    with pytest.raises(InvalidJourney) as error:
        _import(markdown, filename="README.md")
    assert _problems(error) == [("line 12", "the score is 'seven'; it must be a whole number from 1 to 5")]
    journey = _import(markdown.replace("seven", "2"), filename="README.md")
    assert journey.name == "From the wiki" and journey.steps[0].emotion == -1


def test_thousands_of_equal_task_names_get_unique_ids_quickly() -> None:
    journey = _import("journey\nsection s\n" + "Wait for reply: 2: customer\n" * 5000)
    ids = [s.id for s in journey.steps]
    assert len(set(ids)) == 5000
    assert ids[:3] == ["wait-for-reply", "wait-for-reply-2", "wait-for-reply-3"] and ids[-1] == "wait-for-reply-5000"


def test_html_and_script_in_labels_are_kept_as_text() -> None:
    journey = _import("journey\nsection s\n<script>alert('x')</script> <b>hi</b>: 3: customer\n")
    assert journey.steps[0].label == "<script>alert('x')</script> <b>hi</b>"


@pytest.mark.parametrize("filename", ["j.mmd", "j.mermaid", "j.MD"])
def test_mermaid_is_guessed_from_the_extension(filename: str) -> None:
    assert guess_format(filename, "anything") == "mermaid"
    assert import_journey(BILLING.encode(), filename=filename).name == "Get help with billing"


@pytest.mark.parametrize("text", [BILLING, "%% comment\n\n" + BILLING, "```mermaid\n" + BILLING + "```\n",
                                  "---\ntitle: t\nconfig:\n  theme: dark\n---\n" + BILLING])
def test_mermaid_is_sniffed_from_the_content(text: str) -> None:
    assert guess_format(None, text) == "mermaid"
    assert import_journey(text).name == "Get help with billing"


# ---------------------------------------------------------------- export

def _billing() -> Journey:
    return Journey(
        name="Billing: help",
        stages=["Discover", "Get help", "Renew"],
        personas=["Small-business owner"],
        steps=[
            Step(id="agent", label="Talk to an agent", stage="Get help", lane="frontstage", emotion=1),
            Step(id="search", label="Search: help centre", stage="Get help", emotion=None),
            Step(id="bot", label="Chat with bot", stage="Get help", lane="system", emotion=-2),
        ],
        transitions=[Transition(source="search", target="bot"), Transition(source="bot", target="agent")],
    )


def test_export_writes_sections_tasks_in_flow_order_scores_and_actors() -> None:
    assert export_journey(_billing(), "mermaid") == textwrap.dedent("""\
        journey
            title Billing: help
            %% NOTE
            section Discover
            section Get help
              Search#58; help centre: 3: Small-business owner
              Chat with bot: 1: system
              Talk to an agent: 4: frontstage
            section Renew
        """).replace("NOTE", "Mermaid's journey diagram has no transitions: this journey's 2 transitions and their "
                             "shares are not in this file. Export mermaid-flowchart to keep them.")


def test_keywords_comments_and_separators_in_labels_are_defused() -> None:
    labels = ["Title search", "section 8 form", "journey review", "%%not a comment", "a%%b", "C# onboarding",
              "Semi; colon", "Step 1: sign in", "accDescr {x}"]
    journey = Journey(name="n", stages=["s"], steps=[Step(id=f"s{i}", label=label, stage="s")
                                                   for i, label in enumerate(labels)])
    text = export_journey(journey, "mermaid")
    task_lines = text.splitlines()[4:]
    assert all(line.endswith(": 3") for line in task_lines)  # the default lane is not written as an actor
    bare = [re.sub(r"#\w+;", "", line) for line in task_lines]  # Mermaid's entity codes taken out
    assert all(line.count(":") == 1 and not {";", "#", "%"} & set(line) for line in bare)
    assert "#84;itle search" in text and "#37;#37;not a comment" in text and "C#35;" in text
    back = _import(text)
    assert [s.label for s in back.steps] == labels and back.steps[0].actors == []


def test_custom_lanes_survive_through_a_comment() -> None:
    journey = Journey(name="n", stages=["s"], lanes=["Client", "Agent, tier 1"],
                      steps=[Step(id="a", label="Ask", stage="s", lane="Agent, tier 1")])
    text = export_journey(journey, "mermaid")
    assert '%% journeys:lanes ["Client", "Agent, tier 1"]' in text
    back = _import(text)
    assert back.lanes == ["Client", "Agent, tier 1"] and back.steps[0].lane == "Agent, tier 1"


# ---------------------------------------------------------------- round trips

# Text Mermaid can carry: printable, single-line, trimmed, including the characters the export escapes.
_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp", "Zs", "Co", "Cn"))
mermaid_text = st.one_of(
    st.sampled_from([label for label in REALISTIC_LABELS if label == label.strip() and "\n" not in label
                     and "\t" not in label]),
    st.lists(st.text(_ALPHABET, min_size=1, max_size=8), min_size=1, max_size=3).map(" ".join),
)


def _representable(journey: Journey) -> bool:
    lane_keys = [lane.casefold() for lane in journey.lanes]
    return (bool(journey.steps) and len(set(lane_keys)) == len(lane_keys)
            and len(set(journey.personas)) == len(journey.personas)
            and not {p.casefold() for p in journey.personas} & set(lane_keys))


@FAST
@given(journeys(min_steps=1, max_steps=8, text=mermaid_text))
def test_round_trip_where_representable(journey: Journey) -> None:
    assume(_representable(journey))
    back = _import(export_journey(journey, "mermaid"))
    sections = task_order(journey)
    written = [step for _, steps in sections for step in steps]
    assert back.name == journey.name
    assert back.description == journey.description
    assert back.stages == [stage for stage, _ in sections]  # the non-empty stages, in order
    assert back.lanes == journey.lanes
    assert back.personas == journey.personas
    assert [(s.label, s.stage, s.lane, s.emotion) for s in back.steps] == [
        (s.label, s.stage, s.lane, 0 if s.emotion is None else s.emotion) for s in written]
    assert [(t.source, t.target) for t in back.transitions] == [
        (a.id, b.id) for a, b in pairwise(back.steps)]


@FAST
@given(journeys(min_steps=1, max_steps=8))
def test_any_valid_journey_exports_to_a_diagram_that_imports(journey: Journey) -> None:
    text = export_journey(journey, "mermaid")
    back = _import(text)
    assert len(back.steps) == len(journey.steps)
    again = export_journey(back, "mermaid")
    assert _import(again) == back  # a second trip changes nothing more


@FAST
@given(journeys(min_steps=1, max_steps=8))
def test_export_is_stable_after_one_trip(journey: Journey) -> None:
    once = export_journey(_import(export_journey(journey, "mermaid")), "mermaid")
    assert export_journey(_import(once), "mermaid") == once


# ---------------------------------------------------------------- bad files

def test_missing_header() -> None:
    assert _bad("""\
        title t
        section s
          task: 3
        """) == [("line 1", "a Mermaid journey starts with a line 'journey'")]


def test_another_diagram_type_is_named() -> None:
    problems = _bad("flowchart LR\n  A --> B\n")
    assert problems[0] == ("line 1", "a Mermaid journey starts with a line 'journey' "
                                     "(this looks like a 'flowchart' diagram)")
    assert problems[1] == ("line 2", "'A --> B' is not a title, section, task ('name: score: actors') or comment "
                                     "(Mermaid refuses it too)")


def test_every_problem_is_listed_with_its_line() -> None:
    problems = _bad("""\
        journey
          title Billing
          Orphan task: 3: customer
          section Get help
            Search: 3
            Chat: 6: customer
            Wait: 2.5
            Call: : customer
            This line means nothing
            Pay; now: 3
            Too: 3: many: colons is only a warning
            section a: b
            : 3
          journey
          accDescr {
            never closed
        """)
    assert problems == [
        ("line 3", "this task comes before any 'section' line; put it under a section"),
        ("line 6", "the score 6 is outside 1 to 5"),
        ("line 7", "the score is '2.5'; it must be a whole number from 1 to 5"),
        ("line 8", "the score is missing; it must be a whole number from 1 to 5"),
        ("line 9", "'This line means nothing' is not a title, section, task ('name: score: actors') or comment "
                   "(Mermaid refuses it too)"),
        ("line 10", "';' is not allowed here: Mermaid ends the statement at it and refuses the rest "
                    "(write '#59;' for a ';')"),
        ("line 12", "a section name cannot contain ':' (Mermaid would read the rest as a task; "
                    "write '#58;' for a ':')"),
        ("line 13", "the task has no name before ':'"),
        ("line 14", "'journey' may appear only once, as the first line"),
        ("line 15", "'accDescr {' is never closed with '}'"),
    ]


def test_hash_truncation_is_explained() -> None:
    [(where, reason)] = _bad("journey\nsection s\nOK: 3\nIssue #12 fixed\n")
    assert where == "line 4" and "'#' starts a comment" in reason


def test_a_diagram_without_sections_holds_nothing_to_import() -> None:
    assert _bad("journey\n  title Nothing yet\n") == [
        ("file", "the diagram has no sections (lines such as 'section Get help'), so there is nothing to import")]


def test_only_comments() -> None:
    problems = _bad("%% nothing\n")
    assert problems[0] == ("file", "there is no diagram: a Mermaid journey starts with a line 'journey'")


def test_overlong_title_and_task() -> None:
    problems = _bad(f"journey\ntitle {'t' * 130}\nsection s\n{'x' * 250}: 3\n")
    assert problems == [("line 2", "the title is 130 characters long; the limit is 120"),
                        ("line 4", "the task name is 250 characters long; the limit is 200")]


def test_unclosed_front_matter_and_bad_lanes_comment() -> None:
    assert _bad("---\ntitle: x\njourney\nsection s\na: 3\n")[0] == (
        "line 1", "the front matter opened by '---' is never closed by a second '---'")
    assert _bad("journey\n%% journeys:lanes {oops\nsection s\na: 3\n") == [
        ("line 2", 'the \'journeys:lanes\' comment must be a JSON list of lane names, e.g. ["customer", "frontstage"]')]


def test_markdown_without_a_mermaid_block() -> None:
    with pytest.raises(InvalidJourney) as error:
        _import("# Notes\n\nNo diagram here.\n", filename="notes.md")
    assert _problems(error) == [("file", "no ```mermaid block found in this Markdown file")]


@pytest.mark.parametrize("data", [b"", b"\xff\xfe\x00\x00garbage\x00", bytes(range(256))])
def test_empty_and_binary_files(data: bytes) -> None:
    with pytest.raises(InvalidJourney):
        _import(data)


def test_huge_file_is_refused() -> None:
    with pytest.raises(InvalidJourney) as error:
        _import("journey\nsection s\n" + "task: 3\n" * 800_000)
    assert "5 MB" in error.value.problems[0].reason


# ---------------------------------------------------------------- fuzz

_MERMAIDISH = st.lists(st.one_of(
    st.sampled_from(["journey", "title x", "section s", "section", "accDescr {", "}", "%% c", "---", "# h",
                     "accTitle: a", "```mermaid", "```", "a: 3: customer", ": :", "x: 9", "a:b:c:d"]),
    st.text(max_size=20)), max_size=12).map("\n".join)


@examples(200, deadline=None)
@given(st.one_of(st.text(), st.binary(), _MERMAIDISH), st.sampled_from([None, "x.mmd", "x.md"]))
def test_arbitrary_input_only_ever_raises_invalid_journey(data: str | bytes, filename: str | None) -> None:
    try:
        _import(data, filename)
    except InvalidJourney as error:
        assert "internal error" not in str(error)


@examples(100, deadline=None)
@given(journeys(min_steps=1, max_steps=4), st.data())
def test_damaged_exports_only_ever_raise_invalid_journey(journey: Journey, data: st.DataObject) -> None:
    text = export_journey(journey, "mermaid")
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 30)))
    damaged = text[:start] + data.draw(st.text(max_size=5)) + text[end:]
    try:
        _import(damaged)
    except InvalidJourney as error:
        assert "internal error" not in str(error)


# ---------------------------------------------------------------- as Mermaid reads it (issue 14)

def _warned_lines(warnings: list) -> list[int]:
    """Every line number the warnings name ("line 3", "lines 4, 9"), from their text."""
    return sorted(int(n) for w in warnings for n in re.findall(r"\d+", w.where.split(":")[0]))


def test_the_docs_example_round_trips_its_actors_exactly() -> None:
    diagram = docs_example()
    journey = _import(diagram.text)
    assert [(s.stage, s.label, s.emotion + 3, tuple(s.actors)) for s in journey.steps] == diagram.rows
    assert journey.personas == ["Me", "Cat"]
    exported = export_journey(journey, "mermaid")
    tasks = [line.strip() for line in exported.splitlines() if line.startswith("      ")]
    assert tasks == [f"{task}: {score}: {', '.join(actors)}" for _, task, score, actors in diagram.rows]
    assert "customer" not in exported  # the lane is not added as an actor to every task


def test_a_wiki_page_with_every_tolerated_quirk_imports_with_warnings() -> None:
    for seed in range(5):
        diagram = wiki_page(seed)
        imported = read_journey(diagram.text, "mermaid")
        journey = imported.journey
        assert journey.name == diagram.title and journey.description == "Kept as the description"
        assert journey.stages == diagram.sections
        assert [(s.stage, s.label, s.emotion + 3, tuple(s.actors)) for s in journey.steps] == diagram.rows
        assert _warned_lines(imported.warnings) == diagram.ignored_lines
        assert all(w.reason.startswith("ignored: ") for w in imported.warnings)
        again = read_journey(export_journey(journey, "mermaid"), "mermaid")
        assert again.journey == journey and again.warnings == []  # our own comments are not warned about


def test_a_skeleton_of_sections_is_a_stepless_draft_that_round_trips() -> None:
    stages = ["Discover", "Sign up", "Use: daily", "Renew"]
    diagram = skeleton([s.replace(":", "#58;") for s in stages])
    journey = _import(diagram.text)
    assert journey.name == diagram.title and journey.stages == stages
    assert journey.steps == [] and journey.transitions == []
    assert [(f.code, f.severity) for f in check(journey)] == [("draft", "warning")]
    assert check(journey)[0].message.startswith("Draft: no steps yet")
    assert _import(export_journey(journey, "mermaid")) == journey


def test_a_stepless_draft_is_drawn_and_exported() -> None:
    """(Metrics on a draft run through the real CLI in tests/cli/test_journey_import_into.py.)"""
    from journeys.charts import MAP_FORMATS, emotion_curve, export_chart, journey_map

    draft = _import(skeleton(["Discover", "Use"]).text)
    for fmt in EXPORT_FORMATS:
        text = export_journey(draft, fmt)
        if fmt in FORMATS:
            assert import_journey(text, fmt) == draft
    for fmt in MAP_FORMATS:
        assert len(export_chart(journey_map(draft), fmt)) > 100
    assert emotion_curve(draft) is not None


@pytest.mark.parametrize(("line", "warning"), [
    ("%% a comment", "a comment"), ("# a hash comment", "a comment"), ("%%{init: {'theme': 'dark'}}%%", "directive"),
    ("accTitle: second one", "second 'accTitle'"), ("%50 off: 3: Me", "starting with '%'"),
    ("Pay: 3: Me: extra", "third ':'"), ("Pay: 3: Me # later", "after '#'")])
def test_lines_mermaid_ignores_are_warned_about_not_refused(line: str, warning: str) -> None:
    text = f"journey\naccTitle: first\nsection s\nKeep: 4: Me\n{line}\n"
    imported = read_journey(text, "mermaid")
    assert imported.journey.steps[0].label == "Keep"
    [only] = imported.warnings
    assert only.where == "line 5" and warning in only.reason


def test_journey_and_a_statement_on_one_line_is_read_as_mermaid_does() -> None:
    assert _import("journey title One line\nsection s\na: 3\n").name == "One line"


def test_entity_codes_are_read_as_the_characters_mermaid_draws() -> None:
    journey = _import("journey\ntitle A#58; b #35;1\nsection S#58;1\n#quot;Pay#quot; #35;2#59; now #9829;: 3: "
                      "Me#44; you, Cat\n")
    assert journey.name == "A: b #1" and journey.stages == ["S:1"]
    assert journey.steps[0].label == '"Pay" #2; now ♥'
    assert journey.steps[0].actors == ["Me, you", "Cat"] and journey.personas == ["Me, you", "Cat"]


def test_labels_with_percent_colon_hash_semicolon_survive_export() -> None:
    labels = ["%50 off", "%% not a comment", "a%%b", "Step 1: sign in", "C# intro", "Semi; colon", "#58; literal",
              "&amp; kept", "<b>bold</b>", '"quoted"', "50% done", "😀 emoji", "x #35; y"]
    journey = Journey(name="%T: #1; x", stages=["%S: a#b;c"], personas=["Ana, tier 1", "%P"],
                      steps=[Step(id=f"s{i}", label=label, stage="%S: a#b;c") for i, label in enumerate(labels)])
    back = _import(export_journey(journey, "mermaid"))
    assert back.name == journey.name and back.stages == journey.stages and back.personas == journey.personas
    assert [s.label for s in back.steps] == labels


def test_an_actor_list_changed_by_a_lane_edit_still_gives_the_lane_back() -> None:
    journey = _import("journey\nsection s\nPay: 3: Me, backstage\nCall: 2: Me\n")
    assert [s.lane for s in journey.steps] == ["backstage", "customer"]
    moved = journey.model_copy(update={"steps": [journey.steps[0].model_copy(update={"lane": "system"}),
                                                 journey.steps[1].model_copy(update={"lane": "frontstage"})]})
    back = _import(export_journey(moved, "mermaid"))
    assert [s.lane for s in back.steps] == ["system", "frontstage"] and back.personas == ["Me"]


@FAST
@given(journeys(min_steps=0, max_steps=8, text=mermaid_text))
def test_an_unchanged_export_imported_as_a_revision_changes_nothing(journey: Journey) -> None:
    assume(_representable(journey) or not journey.steps)
    assert revision_from_file(journey, export_journey(journey, "mermaid"), "mermaid").journey == journey


@FAST
@given(journeys(min_steps=1, max_steps=8, text=mermaid_text), st.data())
def test_a_revision_keeps_what_mermaid_cannot_hold_for_the_steps_it_still_lists(journey: Journey,
                                                                                data: st.DataObject) -> None:
    assume(_representable(journey))
    lines = export_journey(journey, "mermaid").splitlines()
    tasks = [i for i, line in enumerate(lines) if line.startswith("      ")]
    dropped = data.draw(st.sampled_from(tasks))
    revised = revision_from_file(journey, "\n".join(lines[:dropped] + lines[dropped + 1:]), "mermaid").journey
    kept = {s.id: s for s in revised.steps}
    assert len(kept) == len(journey.steps) - 1
    for step in journey.steps:
        if step.id in kept:
            assert kept[step.id].model_dump(include={"channel", "owner", "description", "handled_by"}) == \
                step.model_dump(include={"channel", "owner", "description", "handled_by"})
    assert {(t.source, t.target) for t in journey.transitions if t.source in kept and t.target in kept} <= {
        (t.source, t.target) for t in revised.transitions}


def test_a_file_exported_with_the_old_lookalikes_revises_the_journey_it_came_from() -> None:
    head = Journey(name="n", stages=["Use: daily", "Get help"], personas=["Ana, tier 1"],
                   steps=[Step(id="a", label="Step 1: sign in", stage="Use: daily", channel="web"),
                          Step(id="b", label="C# intro; then", stage="Get help", lane="frontstage", owner="CS")],
                   transitions=[Transition(source="a", target="b")])
    old = export_journey(head, "mermaid")  # as the look-alike export wrote it before entity codes
    for code, lookalike in (("#58;", "\u2236"), ("#44;", "\u201a"), ("#35;", "\uff03"), ("#59;", "\uff1b")):
        old = old.replace(code, lookalike)
    assert "\u2236" in old and "#58;" not in old
    assert revision_from_file(head, old, "mermaid").journey == head
    fresh = _import("journey\nsection Use\nRatio 1\u22362: 3\n")  # a look-alike typed on purpose stays
    assert fresh.steps[0].label == "Ratio 1\u22362"
