"""Mermaid ``journey`` diagrams (https://mermaid.js.org/syntax/userJourney.html), as Mermaid 11 reads them.

Mermaid's user-journey diagram is what CX people paste into wikis, READMEs and
slides, so a journey can be exported to it, a diagram found elsewhere imported
as a starting map, and a map kept in a wiki imported back as a new revision
(:func:`merge_into`). It holds much less than a journey::

    journey
        title Get help with billing
        section Get help
          Search help centre: 3: customer
          Chat with bot: 2: Me, bot

Mapping
    ``title`` ↔ journey name; ``accDescr`` ↔ description; ``section`` ↔ stage
    (in order); task ↔ step; score 1–5 ↔ emotion −2…+2 (score − 3); a task's
    actors ↔ the step's ``actors`` (exactly as written), its lane (the first
    actor naming a lane) and the journey's personas (the other actors).

How Mermaid 11.17 reads a diagram (checked with the real library in headless
Chromium, see tests/browser/test_mermaid_render_e2e.py) and what we do about it
    * Before parsing, Mermaid turns every ``#name;`` / ``#123;`` into the HTML
      entity ``&name;`` / ``&#123;`` and draws the character. That is its only
      escape: export writes ``#`` ``;`` ``&`` ``<`` ``>`` ``"`` (and ``:``
      in task/section names, ``,`` in actors) as ``#35;`` ``#59;`` … so the
      drawn text equals the label; import decodes the same codes (named HTML
      entities too) — ``#58;`` is a colon, not a comment.
    * ``#`` starts a comment to the end of the line; ``;`` ends a statement and
      Mermaid then refuses the rest of the line. A raw ``;`` is refused on import.
    * A line starting with a single ``%`` is dropped without a word (``%50 off:
      3`` is not drawn), and ``%%`` starts a comment: export writes a leading
      ``%`` and every ``%%`` as ``#37;``; import ignores such lines with a warning.
    * A task name starting with ``title ``, ``section ``, ``accTitle:``,
      ``accDescr`` or ``journey`` would be read as that keyword: its first
      letter is written as an entity code.
    * An actor named ``__proto__`` is silently left out of the legend (Mermaid
      keys actors in a plain object): its first ``_`` is written as ``#95;``.
    * A task may carry more than two ``:``; Mermaid ignores everything after the
      third. ``journey title T`` on one line is valid. Sections without tasks
      are drawn (a *skeleton*: only stages).

Export
    One section per stage in stage order, those without steps too (Mermaid
    accepts an empty section, and a draft or a planned stage round-trips).
    Tasks within a section are in flow order: by distance from the entry step,
    then by step order. A step with no emotion is written as score 3 (neutral).
    A step's actors are its ``actors`` as imported (the lane's name is added
    only when they would not give the step's lane back). A step made here has
    none, so its task lists its lane only when that is not the default lane,
    and — in a journey none of whose steps has actors — the journey's personas
    on steps in the customer lane. A persona no task names goes on the first
    task, so every persona survives. When the lanes differ from the default
    ones, a comment ``%% journeys:lanes ["…", …]`` records them. A second
    comment says that the diagram has no transitions.

Import
    Sections give the stages (a section name repeated continues that stage),
    tasks give the steps in file order with ids from :func:`slugify`, a chain
    of ``normal`` transitions from each task to the next and the last step of
    kind ``outcome``; sections without tasks give a stepless *draft* (the
    journey check says so). The name is the ``title``, else ``accTitle``, else
    the file name, else "Imported journey". Front matter's ``title`` counts too,
    and in Markdown the first ```` ```mermaid ```` block holding a journey is
    read (line numbers stay those of the whole file).

    Lines Mermaid ignores are ignored with a warning (:class:`Imported`), not
    refused: ``%%`` and ``#`` comments (not our own ``journeys:`` ones),
    ``%%{init: …}%%`` directives, front matter other than ``title``, a second
    ``accTitle``, lines starting with ``%``, text after ``#`` or after a task's
    third ``:``. Refused, all listed with line numbers: no ``journey`` header,
    a task before any section, a score that is not a whole number 1–5, a raw
    ``;``, a section name with ``:``, a line that is no title/section/task (Mermaid
    refuses it too), an unclosed ``accDescr {``, and a diagram with no sections.

Round trip
    export → import keeps the name, description, stages in order, labels, emotion (None becomes 0), lanes,
    personas, actors and the task order; it loses ids, channels, owners, step
    descriptions, kinds, handled_by, transitions, notes, state and entry —
    which :func:`merge_into` takes back from the journey a file revises. Files
    exported before entity codes wrote look-alikes (``∶`` ``；`` ``＃`` ``‚``);
    a plain import keeps them as typed, a revision reads them as the names of
    the journey they came from.
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
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
    StepKind,
    Transition,
    parse_journey,
    size_problems,
)

_FAILED = "The Mermaid file could not be imported"
_NEUTRAL_SCORE = 3
ZWSP = "\u200b"  # files written before entity codes started keyword-like names with it; import drops it
_ALWAYS = "#;&<>\""  # Mermaid's comment, statement end and entity characters, and markup
_NAME = _ALWAYS + ":"  # task and section names also end at ':'
_ACTOR = _NAME + ","
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]+")
_KEYWORD_START = re.compile(r"(journey|title\s|section\s|acctitle\s*:|accdescr\s*[:{])", re.IGNORECASE)
_ENTITY = re.compile(r"#(\w+);")
_SENTINEL = re.compile("\ufdd0(\\w+)\ufdd1")
_LANES_HINT = "journeys:lanes"
_OUR_COMMENTS = (_LANES_HINT, "Mermaid's journey diagram has no transitions")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*mermaid\b", re.IGNORECASE)
_OTHER_DIAGRAMS = ("flowchart", "graph", "sequencediagram", "classdiagram", "statediagram", "erdiagram",
                   "gantt", "pie", "mindmap", "timeline", "gitgraph", "quadrantchart", "sankey", "xychart")


@dataclass(frozen=True)
class Imported:
    """A journey read from a file and what was ignored on the way (``Problem``s naming their lines)."""

    journey: Journey
    warnings: list[Problem] = field(default_factory=list)
    format: str = "mermaid"


# ---------------------------------------------------------------- export

def _one_line(text: str) -> str:
    """Text on one line: line breaks and other control characters (Mermaid cannot show them) become spaces."""
    return _CONTROL.sub(" ", text).strip()


def mermaid_text(text: str, specials: str = _ALWAYS) -> str:
    """Text Mermaid draws exactly as given: ``specials``, a leading ``%`` and ``%%`` as ``#code;`` entities."""
    out = "".join(f"#{ord(c)};" if c in specials else c for c in _one_line(text))
    out = out.replace("%%", "#37;#37;")
    return "#37;" + out[1:] if out.startswith("%") else out


def _task_name(label: str) -> str:
    """A step label as a Mermaid task name that the lexer reads back as exactly one task name."""
    name = mermaid_text(label, _NAME) or "Untitled step"
    return f"#{ord(name[0])};{name[1:]}" if _KEYWORD_START.match(name) else name


def actor_text(actor: str) -> str:
    """An actor as written in a task; Mermaid keys actors by name in a plain object, so ``__proto__`` is coded."""
    text = mermaid_text(actor, _ACTOR)
    return "#95;" + text[1:] if text == "__proto__" else text


def _lane_key(name: str) -> str:
    """How an actor is matched to a lane: as written in a task line, ignoring case."""
    return _one_line(name).casefold()


def _customer_lane(journey: Journey) -> str | None:
    if "customer" in journey.lanes:
        return "customer"
    return journey.lanes[0] if journey.lanes else None


def task_order(journey: Journey) -> list[tuple[str, list[Step]]]:
    """Sections and their steps as the Mermaid export writes them (stage order, then flow order)."""
    if not journey.steps:
        return [(stage, []) for stage in journey.stages]  # a draft: its stages are all it has
    g = to_digraph(journey)
    entry = journey.entry_step()
    depth = nx.single_source_shortest_path_length(g, entry) if entry in g else {}
    by_stage: dict[str, list[tuple[float, int, Step]]] = defaultdict(list)
    for i, step in enumerate(journey.steps):
        by_stage[step.stage].append((depth.get(step.id, float("inf")), i, step))
    stages = journey.stages + [s for s in by_stage if s not in journey.stages]  # only if validation was skipped
    return [(stage, [step for _, _, step in sorted(by_stage.get(stage, []), key=lambda x: x[:2])])
            for stage in stages]


def no_transitions_note(journey: Journey) -> str:
    """What the journey diagram leaves out, said in the file (a ``%%`` comment) and wherever it is offered."""
    count = len(journey.transitions)
    kinds = sorted({t.kind.value for t in journey.transitions} - {"normal"})
    which = f" (including {', '.join(kinds)})" if kinds else ""
    return (f"Mermaid's journey diagram has no transitions: this journey's {count} transition"
            f"{'s' if count != 1 else ''}{which} and their shares are not in this file. "
            "Export mermaid-flowchart to keep them.")


def _step_actors(journey: Journey, step: Step, personas: list[str], missing: list[str], carrier: str | None,
                 uses_actors: bool) -> list[str]:
    """A task's actors: the step's own (imported) ones, else its lane (unless default) and the personas."""
    lanes = {_lane_key(lane): lane for lane in journey.lanes}
    default = _customer_lane(journey)
    if step.actors:
        actors = [a for a in step.actors if _one_line(a)]
        named = next((lanes[_lane_key(a)] for a in actors if _lane_key(a) in lanes), default)
        if named != step.lane:  # the lane was changed here: drop the old lane actors, name the new lane
            actors = [a for a in actors if _lane_key(a) not in lanes]
            actors = actors if step.lane == default else [step.lane, *actors]
    else:
        everyone = personas if step.lane == default and not uses_actors else []
        actors = ([] if step.lane == default else [step.lane]) + everyone
    return list(dict.fromkeys(actors + (missing if step.id == carrier else [])))


def export_mermaid(journey: Journey) -> str:
    """The journey as a Mermaid ``journey`` diagram (see the module docstring for what survives)."""
    lines = ["journey", f"    title {mermaid_text(journey.name) or 'Untitled journey'}"]
    description = journey.description.replace("\r\n", "\n").replace("\r", "\n")
    description = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", description).strip()
    if "\n" in description:
        lines += ["    accDescr {", "\n".join(mermaid_text(line, _ALWAYS + "}") for line in description.split("\n")),
                  "    }"]
    elif description:
        lines.append(f"    accDescr: {mermaid_text(description)}")
    if journey.lanes != DEFAULT_LANES:
        lines.append(f"    %% {_LANES_HINT} {json.dumps(journey.lanes, ensure_ascii=False)}")
    lines.append(f"    %% {no_transitions_note(journey)}")
    sections = task_order(journey)
    actors = written_actors(journey, sections)
    for stage, steps in sections:
        lines.append(f"    section {mermaid_text(stage, _NAME) or 'Unnamed stage'}")
        for step in steps:
            score = _NEUTRAL_SCORE if step.emotion is None else step.emotion - EMOTION_MIN + 1
            line = f"      {_task_name(step.label)}: {score}"
            written = [actor_text(a) for a in actors[step.id]]
            lines.append(f"{line}: {', '.join(written)}" if written else line)
    return "\n".join(lines) + "\n"


def written_actors(journey: Journey, sections: list[tuple[str, list[Step]]] | None = None) -> dict[str, list[str]]:
    """Step id → the actors its task lists in the export (what an import of the file reads back)."""
    sections = task_order(journey) if sections is None else sections
    lane_keys = {_lane_key(lane) for lane in journey.lanes}
    # Personas an import could not read back (empty, repeated, named like a lane) are left out.
    personas = [p for p in dict.fromkeys(_one_line(p) for p in journey.personas)
                if p and _lane_key(p) not in lane_keys]
    customer = _customer_lane(journey)
    uses_actors = any(s.actors for s in journey.steps)  # imported: a task without actors keeps none
    in_tasks = {a for s in journey.steps for a in s.actors} | (
        set(personas) if not uses_actors and any(s.lane == customer for s in journey.steps) else set())
    missing = [p for p in personas if p not in in_tasks]  # on the first task, so every persona survives
    carrier = next((steps[0].id for _, steps in sections if steps), None)
    return {step.id: [a for a in _step_actors(journey, step, personas, missing, carrier, uses_actors)
                         if _one_line(a)]
            for _, steps in sections for step in steps}


# ---------------------------------------------------------------- import

class _Parse:
    """What the line scanner found, with the line each item came from."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.ignored: dict[str, list[int]] = {}  # why → lines, so a warning names every line it covers
        self.title: tuple[str, int] | None = None
        self.acc_title: str | None = None
        self.description: str | None = None
        self.lanes: tuple[list[str], int] | None = None
        self.stages: dict[str, None] = {}  # in file order; a dict so a repeated section is found at once
        self.current: str | None = None  # the section tasks are being added to
        # (line number, name, score, actors, stage)
        self.tasks: list[tuple[int, str, int, list[str], str]] = []

    def problem(self, line: int, reason: str) -> None:
        self.problems.append(Problem(f"line {line}", reason))

    def ignore(self, line: int, why: str) -> None:
        self.ignored.setdefault(why, []).append(line)

    def warnings(self) -> list[Problem]:
        out = []
        for why, lines in self.ignored.items():
            more = f" and {len(lines) - 10:,} more" if len(lines) > 10 else ""
            shown = ", ".join(str(n) for n in lines[:10]) + more
            out.append(Problem(f"line{'s' if len(lines) > 1 else ''} {shown}", f"ignored: {why}"))
        return sorted(out, key=_line_key)


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

    start, end = next((b for b in blocks if first_word(b).startswith("journey")), blocks[0])
    return ["" if not start <= k < end else ln for k, ln in enumerate(lines)], []


def _is_comment(line: str) -> bool:
    """Mermaid's lexer skips ``%%…``, ``#…`` and (oddly) any one character followed by ``%%``."""
    return line.startswith(("%%", "#")) or (line[1:3] == "%%" and line[:1] != "}")


def _hide_entities(line: str) -> str:
    """``#name;`` codes out of the way of '#', ';' and ':' (as Mermaid does before it parses)."""
    return _ENTITY.sub(lambda m: f"\ufdd0{m.group(1)}\ufdd1", line)


def _decoded(raw: str) -> str:
    """What Mermaid draws for a piece of a line: entity codes (hidden by :func:`_hide_entities`) decoded."""
    return html.unescape(_SENTINEL.sub(lambda m: f"&#{m.group(1)};" if m.group(1).isdigit() else f"&{m.group(1)};",
                                       raw))


def _text(raw: str) -> str:
    return _decoded(raw).strip()


def _scan(lines: list[str]) -> _Parse:
    result = _Parse()
    k = _skip_front_matter(lines, result)
    header_seen = False
    while k < len(lines):
        number, line = k + 1, lines[k].strip()
        k += 1
        if not line:
            continue
        if _is_comment(_hide_entities(line)):  # '#35;…' is a character, not a comment
            _comment(line, number, result)
            continue
        if not header_seen:
            header_seen = True
            header = re.match(r"journey(\s+|$)", line)
            if header:
                line = line[header.end():].strip()  # 'journey title T' is one valid line
                if not line or _is_comment(line):
                    continue
            else:
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
    elif not result.stages and not result.problems:
        result.problems.append(Problem("file", "the diagram has no sections (lines such as 'section Get help'), so "
                                               "there is nothing to import"))
    return result


def _skip_front_matter(lines: list[str], result: _Parse) -> int:
    """Index after a leading ``---`` YAML block; its ``title:`` is kept as the title, the rest ignored."""
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None or lines[first].strip() != "---":
        return 0
    for k in range(first + 1, len(lines)):
        if lines[k].strip() == "---":
            return k + 1
        title = re.match(r"title\s*:\s*(.*)$", lines[k])
        if title:
            result.title = (title.group(1).strip().strip("'\"").strip(), k + 1)
        elif lines[k].strip():
            result.ignore(k + 1, "front matter other than 'title' (configuration and styling are not part of a "
                                 "journey)")
    result.problem(first + 1, "the front matter opened by '---' is never closed by a second '---'")
    return len(lines)


def _comment(line: str, number: int, result: _Parse) -> None:
    body = line.lstrip("%#").strip()
    if line.startswith("%%{"):
        result.ignore(number, "a '%%{…}%%' directive (configuration and styling are not part of a journey)")
        return
    if not body.startswith(_OUR_COMMENTS):
        result.ignore(number, "a comment ('%%' or '#')")
        return
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
        if result.acc_title is not None:
            result.ignore(number, "a second 'accTitle' (the first one counts)")
        else:
            result.acc_title = _text(_hide_entities(line.split(":", 1)[1]))
        return k
    if re.match(r"accdescr\s*:", line, re.IGNORECASE):
        result.description = _text(_hide_entities(line.split(":", 1)[1]))
        return k
    if re.match(r"accdescr\s*\{", line, re.IGNORECASE):
        return _description_block(lines, k, number, line, result)
    if line.startswith("%"):
        result.ignore(number, "a line starting with '%' (Mermaid does not draw it; write '#37;' for a '%')")
        return k
    hidden = _hide_entities(line)
    cut = hidden.split("#", 1)[0].strip()
    if "#" in hidden and cut:
        result.ignore(number, "text after '#' (Mermaid reads it as a comment; write '#35;' for a '#')")
    if ";" in cut:
        result.problem(number, "';' is not allowed here: Mermaid ends the statement at it and refuses the rest "
                               "(write '#59;' for a ';')")
        return k
    if cut.lower() == "journey":
        result.problem(number, "'journey' may appear only once, as the first line")
    elif re.match(r"title\s", cut, re.IGNORECASE):
        result.title = (_text(cut[6:]), number)
    elif re.match(r"section\s", cut, re.IGNORECASE):
        _section(cut[8:].strip(), number, result)
    elif ":" in cut:
        _task(cut, number, result)
    else:
        shown = line if len(line) <= 60 else line[:57] + "..."
        hash_note = " ('#' starts a comment in Mermaid, so the rest of the line is ignored)" if "#" in hidden else ""
        result.problem(number, f"'{shown}' is not a title, section, task ('name: score: actors') or comment "
                               f"(Mermaid refuses it too){hash_note}")
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
    result.description = _decoded(_hide_entities(text.strip()))
    if after.strip():
        result.problem(k if "\n" in text else number, f"unexpected text after the closing '}}': '{after.strip()}'")
    return k


def _section(name: str, number: int, result: _Parse) -> None:
    if ":" in name:
        result.problem(number, "a section name cannot contain ':' (Mermaid would read the rest as a task; "
                               "write '#58;' for a ':')")
    elif not _text(name):
        result.problem(number, "the section has no name")
    else:
        stage = _text(name)
        result.stages.setdefault(stage, None)
        result.current = stage


def _task(line: str, number: int, result: _Parse) -> None:
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
        result.ignore(number, "text after a task's third ':' (Mermaid ignores it; write '#58;' for a ':')")
    raw_score = pieces[0].strip()
    score = int(raw_score) if re.fullmatch(r"[+-]?\d{1,9}", raw_score) else None
    if score is None:
        shown = f"'{_text(raw_score)}'" if raw_score else "missing"
        result.problem(number, f"the score is {shown}; it must be a whole number from 1 to 5")
        ok = False
    elif not 1 <= score <= 5:
        result.problem(number, f"the score {score} is outside 1 to 5")
        ok = False
    if not ok or score is None or stage is None:
        return
    actors = [_text(a) for a in pieces[1].split(",")] if len(pieces) >= 2 else []
    label = _text(name).removeprefix(ZWSP).replace(f"%{ZWSP}%", "%%")
    result.tasks.append((number, label, score, [a for a in actors if a], stage))


def _journey_name(result: _Parse, filename: str | None) -> str:
    if result.title and result.title[0]:
        return result.title[0]
    if result.acc_title:
        return result.acc_title
    stem = PurePath(filename).stem.strip() if filename else ""
    return stem or "Imported journey"


def read_mermaid(data: str | bytes, filename: str | None = None) -> Imported:
    """Read a Mermaid ``journey`` diagram: the journey and what was ignored; InvalidJourney lists every problem."""
    text = decode(data, "Mermaid")
    markdown = PurePath(filename or "").suffix.lower() in (".md", ".markdown")
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
    return Imported(_build(result, name), result.warnings())


def import_mermaid(data: str | bytes, filename: str | None = None) -> Journey:
    """Read a Mermaid ``journey`` diagram; InvalidJourney lists every problem with its line."""
    return read_mermaid(data, filename).journey


def _line_key(problem: Problem) -> tuple[int, int]:
    match = re.match(r"lines? (\d+)", problem.where)
    return (0, int(match.group(1))) if match else (1, 0)


def _build(result: _Parse, name: str) -> Journey:
    lanes = result.lanes[0] if result.lanes else list(DEFAULT_LANES)
    by_name: dict[str, str] = {}
    for known in lanes:
        by_name.setdefault(_lane_key(known), known)
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
                      "emotion": score - _NEUTRAL_SCORE, "actors": actors,
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


# ---------------------------------------------------------------- a file as a new revision

_KEPT_STEP_FIELDS = {"id", "channel", "owner", "description", "kind", "handled_by", "persona_emotions"}


def merge_into(head: Journey, imported: Journey) -> Journey:
    """``imported`` (read from a Mermaid file) as the next revision of ``head``: what the file cannot hold is kept.

    Tasks are matched to the head's steps by aligning the file with the head's own export (label and section),
    then by label in order (a step moved to another section); the rest are new steps. A matched
    step keeps its id, channel, owner, description, kind, handled_by and persona emotions, and its emotion
    when the head had none and the file says neutral; the file gives label, stage, lane, emotion and actors.
    Transitions between kept steps, notes on them, the entry, state and derived_from are kept; a new task is
    linked from the task before it and to the task after it (an outcome when nothing follows). So exporting
    a journey and importing the file back unchanged changes nothing.
    """
    imported = _old_lookalikes_undone(head, imported)
    written = written_actors(head)
    matched = _match_tasks(head, imported)
    make_id = StepIdMaker({s.id for s in head.steps})
    steps: list[Step] = []
    new: set[str] = set()
    for i, step in enumerate(imported.steps):
        old = matched.get(i)
        if old is None:
            step = step.model_copy(update={"id": make_id(step.label), "kind": StepKind.touchpoint})
            new.add(step.id)
        else:
            emotion = None if old.emotion is None and step.emotion == 0 else step.emotion
            keep = old.model_dump(include=_KEPT_STEP_FIELDS)
            keep["persona_emotions"] = {p: e for p, e in old.persona_emotions.items() if p in imported.personas}
            actors = old.actors if step.actors == [_one_line(a) for a in written[old.id]] else step.actors
            label = old.label if _task_key(old.label) == step.label else step.label  # a line break stays
            step = step.model_copy(update={**keep, "emotion": emotion, "actors": actors, "label": label})
        steps.append(step)
    file_order, steps = steps, _in_head_order(head, steps, new)
    ids = {s.id for s in steps}
    transitions = [t for t in head.transitions if t.source in ids and t.target in ids]
    pairs = {(t.source, t.target) for t in transitions}
    for a, b in pairwise(file_order):
        if (a.id in new or b.id in new) and (a.id, b.id) not in pairs:
            transitions.append(Transition(source=a.id, target=b.id))
            pairs.add((a.id, b.id))
    sources = {t.source for t in transitions}  # a new task with nowhere to go ends the journey, as on import
    steps = [s.model_copy(update={"kind": StepKind.outcome}) if s.id in new and s.id not in sources else s
             for s in steps]
    stages = list(imported.stages)
    used = {s.stage for s in head.steps}
    for i, stage in enumerate(head.stages):  # the head's empty stages (the file skips them) stay where they were
        if stage not in stages and stage not in used:
            before = next((stages.index(s) + 1 for s in reversed(head.stages[:i]) if s in stages), 0)
            stages.insert(before, stage)
    body = imported.model_dump(mode="json") | {
        "name": head.name, "state": head.state.value, "derived_from": head.derived_from, "stages": stages,
        # a file without tasks cannot name personas: a draft keeps the journey's
        "personas": list(dict.fromkeys([*(imported.personas if steps else head.personas),
                                        *(p for s in steps for p in s.persona_emotions)])),
        "entry": head.entry if head.entry in ids else None,
        "steps": [s.model_dump(mode="json") for s in steps],
        "transitions": [t.model_dump(mode="json") for t in transitions],
        "notes": [n.model_dump(mode="json") for n in head.notes if n.step in ids],
    }
    return parse_journey(body)


# Before entity codes, the export wrote look-alikes (':' as '∶', ';' as '；', '#' as '＃', ',' as '‚'); a file a
# wiki kept from then still names the journey's steps, stages and personas.
_LOOKALIKES = str.maketrans({"\u2236": ":", "\uff1b": ";", "\uff03": "#", "\u201a": ","})


def _old_lookalikes_undone(head: Journey, imported: Journey) -> Journey:
    """Names written with the old look-alikes read as the head's names they stand for (only those)."""
    names = {_one_line(n) for n in [*head.stages, *head.personas, *(s.label for s in head.steps),
                                    *(a for s in head.steps for a in s.actors)] if any(c in n for c in ":;#,")}

    def back(text: str) -> str:
        plain = text.translate(_LOOKALIKES)
        return plain if plain in names else text

    if not names:
        return imported
    return imported.model_copy(update={
        "stages": [back(s) for s in imported.stages], "personas": [back(p) for p in imported.personas],
        "steps": [s.model_copy(update={"label": back(s.label), "stage": back(s.stage),
                                       "actors": [back(a) for a in s.actors]}) for s in imported.steps]})


def _task_key(text: str, empty: str = "Untitled step") -> str:
    return _one_line(text) or empty


def _match_tasks(head: Journey, imported: Journey) -> dict[int, Step]:
    """File task index → the head's step it is: aligned with the head's own export (difflib, on label and
    section), then the rest by label in order (a step moved to another stage); the others are new."""
    exported = [step for _, steps in task_order(head) for step in steps]
    key = [(_task_key(s.label), _task_key(s.stage, "Unnamed stage")) for s in exported]
    file_key = [(s.label, s.stage) for s in imported.steps]
    matched: dict[int, Step] = {}
    for block in SequenceMatcher(None, key, file_key, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            matched[block.b + k] = exported[block.a + k]
    taken = {s.id for s in matched.values()}
    unused: dict[str, list[Step]] = defaultdict(list)
    for step in exported:
        if step.id not in taken:
            unused[_task_key(step.label)].append(step)
    for i, step in enumerate(imported.steps):
        if i not in matched and unused[step.label]:
            matched[i] = unused[step.label].pop(0)
    return matched


def _in_head_order(head: Journey, steps: list[Step], new: set[str]) -> list[Step]:
    """Kept steps in the head's order (its entry and tie-breaks stay), new ones after the kept task before them."""
    position = {s.id: i for i, s in enumerate(head.steps)}
    after: dict[str | None, list[Step]] = defaultdict(list)
    anchor = None
    for step in steps:
        if step.id in new:
            after[anchor].append(step)
        else:
            anchor = step.id
    ordered = list(after[None])
    for step in sorted((s for s in steps if s.id not in new), key=lambda s: position[s.id]):
        ordered += [step, *after[step.id]]
    return ordered
