"""Mermaid ``journey`` diagrams as teams write them in wikis, generated from Mermaid's own documentation.

Syntax from mermaid.js.org "User Journey Diagram" (``journey``, ``title``, ``section``, tasks ``Task name:
<score>: <comma separated list of actors>``; the docs' example "My working day"), "Accessibility Options"
(``accTitle: …``, ``accDescr: …`` and ``accDescr { … }``), "Directives" / "Frontmatter config" (``%%{init:
…}%%``, a ``---`` YAML block) and "Entity codes to escape characters" (``#35;``, ``#quot;``, ``#9829;``).
Quirks written here, each checked against the real library (tests/browser/test_mermaid_render_e2e.py):

- comments ``%%`` and ``#`` (whole line and after a task), a directive, front matter config;
- a section without tasks (a skeleton), a section name repeated later;
- entity codes in task names, section names and actors (a ``:`` as ``#58;``, a ``,`` in an actor as ``#44;``);
- a task with a third ``:`` (Mermaid ignores what follows it), actors with an empty item (``Me, , Cat``);
- actors that differ per task (the docs' ``Do work: 1: Me, Cat``) and tasks without actors.

Each generator returns the text and the rows it wrote — (section, task, score, actors) as the reader should
see them, decoded by plain Python here — so a test compares the importer with what was written.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

Row = tuple[str, str, int, tuple[str, ...]]


@dataclass
class Diagram:
    text: str
    title: str
    sections: list[str]  # in first-mention order, tasks or not
    rows: list[Row] = field(default_factory=list)
    ignored_lines: list[int] = field(default_factory=list)  # lines a reader should warn about


def docs_example() -> Diagram:
    """The documentation's "My working day", exactly as written there."""
    text = ("journey\n    title My working day\n    section Go to work\n      Make tea: 5: Me\n"
            "      Go upstairs: 3: Me\n      Do work: 1: Me, Cat\n    section Go home\n"
            "      Go downstairs: 5: Me\n      Sit down: 5: Me\n")
    rows = [("Go to work", "Make tea", 5, ("Me",)), ("Go to work", "Go upstairs", 3, ("Me",)),
            ("Go to work", "Do work", 1, ("Me", "Cat")), ("Go home", "Go downstairs", 5, ("Me",)),
            ("Go home", "Sit down", 5, ("Me",))]
    return Diagram(text, "My working day", ["Go to work", "Go home"], rows)


def skeleton(stages: list[str]) -> Diagram:
    """A workshop's first draft: the title and the stages, no tasks yet."""
    lines = ["journey", "    title Onboarding (draft)", *(f"    section {s}" for s in stages)]
    return Diagram("\n".join(lines) + "\n", "Onboarding (draft)", list(stages))


_WORDS = ["Sign", "up", "Pay", "invoice", "Call", "agent", "Reset", "password", "Chat", "bot", "Wait", "reply"]
_SPECIAL = {":": "#58;", "#": "#35;", ";": "#59;", ",": "#44;", "%": "#37;", '"': "#quot;", "♥": "#9829;"}


def _encoded(text: str) -> str:
    return "".join(_SPECIAL.get(c, c) for c in text)


def wiki_page(seed: int, tasks: int = 12) -> Diagram:
    """A diagram with every tolerated quirk: comments, a directive, front matter, entity codes, a skeleton section."""
    rng = random.Random(seed)
    lines = ["---", "title: Wiki journey", "config:", "  theme: forest", "---",
             "%%{init: {'journey': {'diagramMarginX': 20}}}%%", "journey", "    accTitle: Accessible title",
             "    accDescr: Kept as the description", "    %% reviewed by the CX guild"]
    ignored = [3, 4, 6, 10]  # front matter config (2 lines), the directive, the comment
    sections = ["Discover", "Use", "Get help", "Renew"]
    rows: list[Row] = []
    for i in range(tasks):
        section = sections[min(i * len(sections) // tasks, len(sections) - 1)]
        if not rows or rows[-1][0] != section:
            lines.append(f"    section {section}")
        name = " ".join(rng.sample(_WORDS, 2)) + rng.choice(["", ": step 2", " #1", "; then", " 50%", ' "now"',
                                                              " ♥"])
        actors = rng.choice([(), ("Me",), ("Me", "Cat"), ("Ana, tier 1",), ("Finance admin", "Me")])
        score = rng.randint(1, 5)
        line = f"      {_encoded(name)}: {score}"
        if actors:
            line += ": " + ", ".join(_encoded(a) for a in actors)
        if i % 5 == 1:
            line += "  # a note after the task"
            ignored.append(len(lines) + 1)
        lines.append(line)
        rows.append((section, name, score, actors))
    lines += ["    section Later (no tasks yet)", "    # the end"]
    ignored.append(len(lines))
    return Diagram("\n".join(lines) + "\n", "Wiki journey", [*sections[:len({r[0] for r in rows})],
                                                              "Later (no tasks yet)"], rows, ignored)
