"""Mermaid ``journey`` diagrams (https://mermaid.js.org/syntax/userJourney.html).

Mermaid's user-journey diagram is what CX people paste into wikis, READMEs and
slides, so a journey can be exported to it and a diagram found elsewhere can
be imported as a starting map. It holds much less than a journey, so only
part of a journey survives the trip::

    journey
        title Get help with billing
        section Get help
          Search help centre: 3: customer
          Chat with bot: 2: customer, bot

Mapping
    ``title`` ↔ journey name; ``accDescr`` ↔ description; ``section`` ↔ stage
    (in order); task ↔ step; score 1–5 ↔ emotion −2…+2 (score − 3); actors ↔
    lane and personas.

Export
    One section per stage in stage order, skipping stages without steps. Tasks
    within a section are in flow order: by distance from the entry step (the
    order customers meet them), then by step order. A step with no emotion is
    written as score 3 (neutral): Mermaid needs a score, and 3 is the honest
    "no reading" middle. The actors are the step's lane, then the journey's
    personas on steps in the customer lane (``customer``, else the first lane);
    if no step is in that lane the personas go on the first task, so they
    survive a round trip. When the lanes differ from the default ones, a
    comment ``%% journeys:lanes ["…", …]`` records them (Mermaid ignores it).
    A second comment says that the diagram has no transitions (how many were
    left out, and that the ``mermaid-flowchart`` export keeps them).

    Mermaid's grammar cannot quote text, so characters that would end a token
    are replaced with look-alikes and changed back on import: ``:`` → ``∶``
    (U+2236) in section and task names and actors, ``;`` → ``；`` (U+FF1B),
    ``#`` → ``＃`` (U+FF03), ``,`` → ``‚`` (U+201A) in actors, ``}`` → ``｝``
    (U+FF5D) in a multi-line ``accDescr``. A task name starting with a keyword
    (``journey``, ``title …``, ``section …``, ``accDescr {``) gets a leading
    zero-width space, and ``%%`` in a task name becomes ``%`` + zero-width
    space + ``%`` (Mermaid would read either as a keyword or a comment); import
    removes both. Line breaks become spaces and text is trimmed; empty text
    becomes "Untitled journey" / "Unnamed stage" / "Untitled step".

Import
    Sections give the stages (a section name repeated continues that stage),
    tasks give the steps in file order with ids from :func:`slugify`, a chain
    of ``normal`` transitions from each task to the next and the last step of
    kind ``outcome``. Every step gets an emotion (score − 3). Of a task's
    actors, the first that names a lane (case-insensitive; the lanes of a
    ``journeys:lanes`` comment, else customer/frontstage/backstage/system)
    gives its lane, default ``customer`` (the first lane if a lanes comment
    has no ``customer``); the others become the journey's
    personas (other lane names are not personas and are dropped). The name is
    the ``title``, else ``accTitle``, else the file name without extension,
    else "Imported journey" — a missing title is not worth refusing a file.
    A ``title`` in YAML front matter counts too, ``%%`` and ``#`` comments are
    ignored, and in Markdown the first ```` ```mermaid ```` block holding a
    journey is read (line numbers stay those of the whole file).

    Problems, all collected with line numbers: no ``journey`` header, a task
    before any section, a score that is not a whole number 1–5, a ``;`` (ends
    a statement in Mermaid), more than two ``:`` in a task, a section name with
    ``:``, a line that is no title/section/task/comment/accessibility line, an
    unclosed ``accDescr {``, and a diagram without tasks.

Round trip
    export → import keeps the name, description, non-empty stages in order,
    labels, emotion (None becomes 0), lanes, personas and the task order;
    it loses ids, channels, owners, step descriptions, kinds, handled_by,
    transitions (they become the linear chain), notes, state and entry.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from itertools import pairwise
from pathlib import PurePath

import networkx as nx

from journeys.errors import InvalidJourney, Problem
from journeys.graph import to_digraph
from journeys.interop._text import decode
from journeys.model import (
    DEFAULT_LANES,
    EMOTION_MIN,
    MAX_STEPS,
    Journey,
    Step,
    StepIdMaker,
    parse_journey,
    size_problems,
)

_FAILED = "The Mermaid file could not be imported"
_NEUTRAL_SCORE = 3
ZWSP = "\u200b"
_COMMON = {":": "\u2236", ";": "\uff1b", "#": "\uff03"}
_TITLE = {";": "\uff1b", "#": "\uff03"}
_ACTOR = {**_COMMON, ",": "\u201a"}
_DESCR_BLOCK = {"}": "\uff5d"}
_LANES_HINT = "journeys:lanes"
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]+")
_KEYWORD_START = re.compile(r"(journey|title\s|section\s|acctitle\s*:|accdescr\s*[:{])", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*mermaid\b", re.IGNORECASE)
_OTHER_DIAGRAMS = ("flowchart", "graph", "sequencediagram", "classdiagram", "statediagram", "erdiagram",
                   "gantt", "pie", "mindmap", "timeline", "gitgraph", "quadrantchart", "sankey", "xychart")


# ---------------------------------------------------------------- export

def _one_line(text: str) -> str:
    """Text on one line: line breaks and other control characters (Mermaid cannot show them) become spaces."""
    return _CONTROL.sub(" ", text).strip()


def _escape(text: str, table: dict[str, str]) -> str:
    return text.translate(str.maketrans(table))


def _unescape(text: str, table: dict[str, str]) -> str:
    return text.translate(str.maketrans({v: k for k, v in table.items()}))


def _task_name(label: str) -> str:
    """A step label as a Mermaid task name that the lexer reads back as exactly one task name."""
    name = _escape(_one_line(label), _COMMON).replace("%%", f"%{ZWSP}%") or "Untitled step"
    return ZWSP + name if _KEYWORD_START.match(name) or name.startswith(ZWSP) else name


def _actor(name: str) -> str:
    return _escape(_one_line(name), _ACTOR)


def _lane_key(name: str) -> str:
    """How an actor is matched to a lane: as written in a task line, ignoring case."""
    return _one_line(name).casefold()


def _customer_lane(journey: Journey) -> str | None:
    if "customer" in journey.lanes:
        return "customer"
    return journey.lanes[0] if journey.lanes else None


def task_order(journey: Journey) -> list[tuple[str, list[Step]]]:
    """Sections and their steps as the Mermaid export writes them (stage order, then flow order)."""
    g = to_digraph(journey)
    entry = journey.entry_step()
    depth = nx.single_source_shortest_path_length(g, entry) if entry in g else {}
    by_stage: dict[str, list[tuple[float, int, Step]]] = defaultdict(list)
    for i, step in enumerate(journey.steps):
        by_stage[step.stage].append((depth.get(step.id, float("inf")), i, step))
    stages = [s for s in journey.stages if s in by_stage]
    stages += [s for s in by_stage if s not in journey.stages]  # only in a journey that skipped validation
    return [(stage, [step for _, _, step in sorted(by_stage[stage], key=lambda x: x[:2])]) for stage in stages]


def no_transitions_note(journey: Journey) -> str:
    """What the journey diagram leaves out, said in the file (a ``%%`` comment) and wherever it is offered."""
    count = len(journey.transitions)
    kinds = sorted({t.kind.value for t in journey.transitions} - {"normal"})
    which = f" (including {', '.join(kinds)})" if kinds else ""
    return (f"Mermaid's journey diagram has no transitions: this journey's {count} transition"
            f"{'s' if count != 1 else ''}{which} and their shares are not in this file. "
            "Export mermaid-flowchart to keep them.")


def export_mermaid(journey: Journey) -> str:
    """The journey as a Mermaid ``journey`` diagram (see the module docstring for what survives)."""
    lines = ["journey", f"    title {_escape(_one_line(journey.name), _TITLE) or 'Untitled journey'}"]
    description = journey.description.replace("\r\n", "\n").replace("\r", "\n")
    description = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", description).strip()
    if "\n" in description:
        lines += ["    accDescr {", _escape(description, _DESCR_BLOCK), "    }"]
    elif description:
        lines.append(f"    accDescr: {description}")
    if journey.lanes != DEFAULT_LANES:
        lines.append(f"    %% {_LANES_HINT} {json.dumps(journey.lanes, ensure_ascii=False)}")
    lines.append(f"    %% {no_transitions_note(journey)}")
    sections = task_order(journey)
    customer = _customer_lane(journey)
    lane_keys = {_lane_key(lane) for lane in journey.lanes}
    # Personas an import could not read back (empty, repeated, named like a lane) are left out.
    personas = [a for a in dict.fromkeys(_actor(p) for p in journey.personas)
                if a and _lane_key(_unescape(a, _ACTOR)) not in lane_keys]
    carrier = None if any(s.lane == customer for s in journey.steps) else (
        sections[0][1][0].id if sections else None)
    for stage, steps in sections:
        lines.append(f"    section {_escape(_one_line(stage), _COMMON) or 'Unnamed stage'}")
        for step in steps:
            score = _NEUTRAL_SCORE if step.emotion is None else step.emotion - EMOTION_MIN + 1
            actors = [_actor(step.lane)]
            if step.lane == customer or step.id == carrier:
                actors += personas
            actors = [a for a in actors if a]
            line = f"      {_task_name(step.label)}: {score}"
            lines.append(f"{line}: {', '.join(actors)}" if actors else line)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- import

class _Parse:
    """What the line scanner found, with the line each item came from."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.title: tuple[str, int] | None = None
        self.acc_title: str | None = None
        self.description: str | None = None
        self.lanes: tuple[list[str], int] | None = None
        self.stages: dict[str, None] = {}  # in file order; a dict so a repeated section is found at once
        self.current: str | None = None  # the section tasks are being added to
        # (line number, name, score, actors, stage)
        self.tasks: list[tuple[int, str, int, list[str], str]] = []
        self.task_lines = 0  # tasks written, readable or not (so "no tasks" is not said of broken ones)

    def problem(self, line: int, reason: str) -> None:
        self.problems.append(Problem(f"line {line}", reason))


def _visible_lines(text: str, markdown: bool) -> tuple[list[str], list[Problem]]:
    """The diagram's lines, numbered as in the file; in Markdown, only the journey's fenced block."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((ln.strip() for ln in lines if ln.strip() and not _is_comment(ln.strip())), "")
    bare = first == "---" or first.lower().startswith("journey")
    if bare and not markdown:
        return lines, []  # a bare diagram: a task name may itself contain ```mermaid
    blocks: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence:
            mark = fence.group(1)
            end = next((k for k in range(i + 1, len(lines))
                        if lines[k].strip().startswith(mark[0] * len(mark)) and not lines[k].strip().strip(mark[0])),
                       len(lines))
            blocks.append((i + 1, end))
            i = end
        i += 1
    if not blocks:
        if markdown and not bare:
            return [], [Problem("file", "no ```mermaid block found in this Markdown file")]
        return lines, []

    def first_word(block: tuple[int, int]) -> str:
        content = (ln.strip() for ln in lines[block[0]:block[1]])
        return next((ln.lower() for ln in content if ln and not ln.startswith("%%")), "")

    start, end = next((b for b in blocks if first_word(b) == "journey"), blocks[0])
    return ["" if not start <= k < end else ln for k, ln in enumerate(lines)], []


def _is_comment(line: str) -> bool:
    """Mermaid's lexer skips ``%%…``, ``#…`` and (oddly) any one character followed by ``%%``."""
    return line.startswith(("%%", "#")) or (line[1:3] == "%%" and line[:1] != "}")


def _scan(lines: list[str]) -> _Parse:
    result = _Parse()
    k = _skip_front_matter(lines, result)
    header_seen = False
    while k < len(lines):
        number, line = k + 1, lines[k].strip()
        k += 1
        if not line:
            continue
        if _is_comment(line):
            _comment(line, number, result)
            continue
        if not header_seen:
            header_seen = True
            if re.fullmatch(r"journey\s*(%%.*|#.*)?", line, re.IGNORECASE):
                continue
            word = line.split()[0].lower().rstrip(":")
            kind = f" (this looks like a '{line.split()[0]}' diagram)" if word in _OTHER_DIAGRAMS else ""
            result.problem(number, f"a Mermaid journey starts with a line 'journey'{kind}")
            if ":" not in line and not re.match(r"(title|section)\s", line, re.IGNORECASE):
                continue
        k = _statement(lines, k, number, line, result)
        if len(result.tasks) > MAX_STEPS:  # stop reading: the rest of the file cannot change the answer
            raise InvalidJourney(_FAILED, [Problem(f"line {number}", f"a journey holds at most {MAX_STEPS:,} steps; "
                                                                     f"this is task {len(result.tasks):,}")])
    if not header_seen:
        result.problems.append(Problem("file", "there is no diagram: a Mermaid journey starts with a line 'journey'"))
    if not result.task_lines:
        result.problems.append(Problem("file", "the diagram has no tasks (lines such as 'Search help centre: 3: "
                                               "customer' under a 'section')"))
    return result


def _skip_front_matter(lines: list[str], result: _Parse) -> int:
    """Index after a leading ``---`` YAML block; its ``title:`` is kept as the title."""
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None or lines[first].strip() != "---":
        return 0
    for k in range(first + 1, len(lines)):
        if lines[k].strip() == "---":
            return k + 1
        title = re.match(r"title\s*:\s*(.*)$", lines[k])
        if title:
            result.title = (title.group(1).strip().strip("'\"").strip(), k + 1)
    result.problem(first + 1, "the front matter opened by '---' is never closed by a second '---'")
    return len(lines)


def _comment(line: str, number: int, result: _Parse) -> None:
    hint = re.match(rf"%%\s*{re.escape(_LANES_HINT)}\s+(.*)$", line)
    if not hint:
        return
    try:
        lanes = json.loads(hint.group(1))
    except (ValueError, RecursionError):
        lanes = None
    if not isinstance(lanes, list) or not lanes or not all(isinstance(x, str) for x in lanes):
        result.problem(number, f"the '{_LANES_HINT}' comment must be a JSON list of lane names, "
                               'e.g. ["customer", "frontstage"]')
        return
    result.lanes = (lanes, number)


def _statement(lines: list[str], k: int, number: int, line: str, result: _Parse) -> int:
    """Read one statement line (and a multi-line accDescr block); return the next line index."""
    if re.match(r"acctitle\s*:", line, re.IGNORECASE):
        result.acc_title = line.split(":", 1)[1].strip()
        return k
    if re.match(r"accdescr\s*:", line, re.IGNORECASE):
        result.description = line.split(":", 1)[1].strip()
        return k
    if re.match(r"accdescr\s*\{", line, re.IGNORECASE):
        return _description_block(lines, k, number, line, result)
    cut = line.split("#", 1)[0].strip()
    hash_note = " ('#' starts a comment in Mermaid, so the rest of the line is ignored)" if "#" in line else ""
    if ";" in cut:
        result.problem(number, "';' is not allowed here: Mermaid ends the statement at it (remove it)")
        return k
    if cut.lower() == "journey":
        result.problem(number, "'journey' may appear only once, as the first line")
    elif re.match(r"title\s", cut, re.IGNORECASE):
        result.title = (_unescape(cut[6:].strip(), _TITLE), number)
    elif re.match(r"section\s", cut, re.IGNORECASE):
        _section(cut[8:].strip(), number, result)
    elif ":" in cut:
        _task(cut, number, result)
    else:
        shown = line if len(line) <= 60 else line[:57] + "..."
        result.problem(number, f"'{shown}' is not a title, section, task ('name: score: actors') or comment"
                               + hash_note)
    return k


def _description_block(lines: list[str], k: int, number: int, line: str, result: _Parse) -> int:
    parts = [line.split("{", 1)[1]]
    while "}" not in parts[-1] and k < len(lines):  # look at the new line only: linear in the block
        parts.append(lines[k])
        k += 1
    text = "\n".join(parts)
    if "}" not in parts[-1]:
        result.problem(number, "'accDescr {' is never closed with '}'")
        return k
    text, after = text.split("}", 1)
    result.description = _unescape(text.strip(), _DESCR_BLOCK)
    if after.strip():
        result.problem(k if "\n" in text else number, f"unexpected text after the closing '}}': '{after.strip()}'")
    return k


def _section(name: str, number: int, result: _Parse) -> None:
    if ":" in name:
        result.problem(number, "a section name cannot contain ':' (Mermaid would read the rest as a task)")
    elif not name:
        result.problem(number, "the section has no name")
    else:
        stage = _unescape(name, _COMMON)
        result.stages.setdefault(stage, None)
        result.current = stage


def _task(line: str, number: int, result: _Parse) -> None:
    result.task_lines += 1
    name, data = line.split(":", 1)
    pieces = data.split(":")
    name = name.strip()
    ok = True
    if not name:
        result.problem(number, "the task has no name before ':'")
        ok = False
    stage = result.current
    if stage is None:
        result.problem(number, "this task comes before any 'section' line; put it under a section")
        ok = False
    if len(pieces) > 2:
        result.problem(number, "a task has at most two ':' ('name: score: actor, actor'); "
                               "Mermaid would ignore everything after the third")
        ok = False
    raw_score = pieces[0].strip()
    score = int(raw_score) if re.fullmatch(r"[+-]?\d{1,9}", raw_score) else None
    if score is None:
        shown = f"'{raw_score}'" if raw_score else "missing"
        result.problem(number, f"the score is {shown}; it must be a whole number from 1 to 5")
        ok = False
    elif not 1 <= score <= 5:
        result.problem(number, f"the score {score} is outside 1 to 5")
        ok = False
    if not ok or score is None or stage is None:
        return
    actors = [_unescape(a.strip(), _ACTOR) for a in pieces[1].split(",")] if len(pieces) == 2 else []
    label = _unescape(name.removeprefix(ZWSP).replace(f"%{ZWSP}%", "%%"), _COMMON)
    result.tasks.append((number, label, score, [a for a in actors if a], stage))


def _journey_name(result: _Parse, filename: str | None) -> str:
    if result.title and result.title[0]:
        return result.title[0]
    if result.acc_title:
        return result.acc_title
    stem = PurePath(filename).stem.strip() if filename else ""
    return stem or "Imported journey"


def import_mermaid(data: str | bytes, filename: str | None = None) -> Journey:
    """Read a Mermaid ``journey`` diagram; InvalidJourney lists every problem with its line."""
    text = decode(data, "Mermaid")
    markdown = bool(filename) and PurePath(filename).suffix.lower() in (".md", ".markdown")
    lines, problems = _visible_lines(text, markdown)
    if problems:
        raise InvalidJourney(_FAILED, problems)
    result = _scan(lines)
    if result.title is not None and not result.title[0]:
        result.problem(result.title[1], "the title is empty")
    name = _journey_name(result, filename)
    if len(name) > 120:
        where = f"line {result.title[1]}" if result.title and result.title[0] == name else "title"
        result.problems.append(Problem(where, f"the title is {len(name)} characters long; the limit is 120"))
    for number, label, _, _, _ in result.tasks:
        if not label:
            result.problem(number, "the task name is empty")
        elif len(label) > 200:
            result.problem(number, f"the task name is {len(label)} characters long; the limit is 200")
    too_big = size_problems({"stages": list(result.stages)})
    if too_big:  # said before the per-line problems a file of that size would bury it under
        raise InvalidJourney(_FAILED, too_big)
    if result.problems:
        raise InvalidJourney(_FAILED, sorted(result.problems, key=_line_key))
    return _build(result, name)


def _line_key(problem: Problem) -> tuple[int, int]:
    match = re.match(r"line (\d+)", problem.where)
    return (0, int(match.group(1))) if match else (1, 0)


def _build(result: _Parse, name: str) -> Journey:
    lanes = result.lanes[0] if result.lanes else list(DEFAULT_LANES)
    by_name: dict[str, str] = {}
    for lane in lanes:
        by_name.setdefault(_lane_key(lane), lane)
    default_lane = "customer" if "customer" in lanes else lanes[0]
    make_id = StepIdMaker()
    personas: dict[str, None] = {}  # in order of first mention; a dict so thousands of actors stay linear
    steps = []
    for i, (_, label, score, actors, stage) in enumerate(result.tasks):
        lane = None
        for actor in actors:
            match = by_name.get(_lane_key(actor))
            if match is None:
                personas.setdefault(actor, None)
            elif lane is None:
                lane = match
        step_id = make_id(label)
        steps.append({"id": step_id, "label": label, "stage": stage, "lane": lane or default_lane,
                      "emotion": score - _NEUTRAL_SCORE,
                      "kind": "outcome" if i == len(result.tasks) - 1 else "touchpoint"})
    body = {
        "name": name,
        "description": result.description or "",
        "stages": list(result.stages),
        "lanes": lanes,
        "personas": list(personas),
        "steps": steps,
        "transitions": [{"source": a["id"], "target": b["id"]} for a, b in pairwise(steps)],
    }
    try:
        return parse_journey(body)
    except InvalidJourney as error:
        raise InvalidJourney(_FAILED, [_on_line(p, result) for p in error.problems]) from None





def _on_line(problem: Problem, result: _Parse) -> Problem:
    """Point a model problem at the line it came from."""
    kind, index = (*problem.path, None, None)[:2]
    if kind == "steps" and isinstance(index, int) and index < len(result.tasks):
        return Problem(f"line {result.tasks[index][0]}", f"{problem.where}: {problem.reason}", problem.path)
    if problem.where == "lanes" and result.lanes:
        return Problem(f"line {result.lanes[1]}", f"lanes: {problem.reason}")
    if problem.where == "name" and result.title:
        return Problem(f"line {result.title[1]}", f"title: {problem.reason}")
    return problem
