"""`journeys journey import FILE --into NAME`: a file kept in a wiki comes back as a new revision, end to end.

The real console script in a subprocess on a real workspace (SQLite), as a team would run it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from journeys.demo import DEMO_JOURNEY
from journeys.diff import diff_journeys
from journeys.interop import import_journey, revision_from_file
from tests.test_cli import run
from tests.tickets.samples.mermaid_journey import docs_example, skeleton


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("ws")
    run(home, "init", "--demo", check_ok=True)
    return home


def _history(home: Path, name: str) -> list[dict]:
    return json.loads(run(home, "journey", "history", name, "--format", "json", check_ok=True).stdout)


def _show(home: Path, name: str):
    return import_journey(run(home, "journey", "show", name, "--format", "json", check_ok=True).stdout, "json")


def test_an_unchanged_export_saves_nothing(home: Path, tmp_path: Path) -> None:
    for fmt, ext in (("mermaid", "mmd"), ("json", "json"), ("graphml", "graphml")):
        path = tmp_path / f"billing.{ext}"
        run(home, "journey", "export", DEMO_JOURNEY, "--to", fmt, "-o", str(path), check_ok=True)
        out = run(home, "journey", "import", str(path), "--into", DEMO_JOURNEY, check_ok=True)
        assert "nothing to save" in out.stdout
    assert len(_history(home, DEMO_JOURNEY)) == 1


def test_a_mermaid_edited_in_the_wiki_becomes_a_diffable_revision(home: Path, tmp_path: Path) -> None:
    before = _show(home, DEMO_JOURNEY)
    path = tmp_path / "billing.mmd"
    run(home, "journey", "export", DEMO_JOURNEY, "--to", "mermaid", "-o", str(path), check_ok=True)
    text = path.read_text()
    first = next(line for line in text.splitlines() if line.startswith("      "))
    parts = first.strip().split(": ")
    parts[1] = "5" if parts[1] != "5" else "1"  # the workshop changed how the first task feels
    edited = text.replace(first, "      " + ": ".join(parts), 1)
    edited += "    section Renew\n      Renews the plan#58; yearly: 5\n    %% edited in the wiki\n"
    path.write_text(edited)
    version = _history(home, DEMO_JOURNEY)[0]["version"]
    out = run(home, "journey", "import", str(path), "--into", DEMO_JOURNEY, "--expected-version", str(version),
              check_ok=True)
    assert f"as version {version + 1} of '{DEMO_JOURNEY}'" in out.stdout
    assert "Warning: line" in out.stderr and "comment" in out.stderr
    newest = _history(home, DEMO_JOURNEY)[0]
    assert newest == newest | {"version": version + 1, "author": "tester", "message": "Imported from billing.mmd"}
    after = _show(home, DEMO_JOURNEY)
    changes = diff_journeys(before, after)
    assert [s.label for s in changes.added_steps] == ["Renews the plan: yearly"]
    assert changes.added_steps[0].kind == "outcome"  # nothing follows it: an end, not a dead end
    assert not changes.removed_steps and not changes.removed_transitions
    assert [c.field for c in changes.changed_steps] == ["emotion"]
    assert [(t.source, t.target) for t in changes.added_transitions] == [(after.steps[-2].id, after.steps[-1].id)]
    # what Mermaid cannot hold is kept: channels, owners, kinds and every transition of the old version
    assert {s.id: s.channel for s in before.steps}.items() <= {s.id: s.channel for s in after.steps}.items()
    assert len(after.transitions) == len(before.transitions) + 1
    # stale-safe: the same file against the version it was exported from is refused, nothing saved
    refused = run(home, "journey", "import", str(path), "--into", DEMO_JOURNEY, "--expected-version", str(version))
    assert refused.returncode != 0 and f"version {version + 1}" in refused.stderr
    assert len(_history(home, DEMO_JOURNEY)) == version + 1
    # and History's restore brings the old content back as a revision on top
    run(home, "journey", "restore", DEMO_JOURNEY, str(version), check_ok=True)
    assert diff_journeys(before, _show(home, DEMO_JOURNEY)).is_empty


def test_into_a_journey_that_does_not_exist_is_refused(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "day.mmd"
    path.write_text(docs_example().text)
    out = run(home, "journey", "import", str(path), "--into", "No such journey")
    assert out.returncode != 0 and "No such journey" in out.stderr
    listed = json.loads(run(home, "journey", "list", "--format", "json", check_ok=True).stdout)
    assert "My working day" not in {r["name"] for r in listed}
    both = run(home, "journey", "import", str(path), "--into", DEMO_JOURNEY, "--name", "x")
    assert both.returncode != 0 and "exclude each other" in both.stderr


def test_a_json_file_replaces_the_content_under_the_journeys_name(home: Path, tmp_path: Path) -> None:
    day = tmp_path / "day.mmd"
    day.write_text(docs_example().text)
    run(home, "journey", "import", str(day), "--name", "Working day", check_ok=True)
    exported = tmp_path / "day.json"
    run(home, "journey", "export", "Working day", "--to", "json", "-o", str(exported), check_ok=True)
    body = json.loads(exported.read_text())
    body["journey"]["name"] = "Renamed in the file"
    body["journey"]["steps"][0]["label"] = "Make coffee"
    exported.write_text(json.dumps(body))
    run(home, "journey", "import", str(exported), "--into", "Working day", "-m", "From the wiki", check_ok=True)
    journey = _show(home, "Working day")
    assert journey.name == "Working day" and journey.steps[0].label == "Make coffee"
    assert _history(home, "Working day")[0]["message"] == "From the wiki"


def test_a_skeleton_is_a_draft_that_checks_measures_and_exports(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "draft.mmd"
    path.write_text(skeleton(["Discover", "Sign up", "Use"]).text)
    out = run(home, "journey", "import", str(path), check_ok=True)
    assert "(0 steps)" in out.stdout
    name = "Onboarding (draft)"
    findings = json.loads(run(home, "journey", "check", name, "--format", "json", check_ok=True).stdout)
    assert [(f["code"], f["severity"]) for f in findings] == [("draft", "warning")]
    metrics = run(home, "metrics", "--journey", name, "--by", "step", "--format", "json")
    assert metrics.returncode in (0, 2) and "Traceback" not in metrics.stderr  # runs or refuses in words
    for fmt in ("json", "graphml", "mermaid", "mermaid-flowchart"):
        assert run(home, "journey", "export", name, "--to", fmt, check_ok=True).stdout.strip()
    # steps written in the wiki later come back into the draft as a revision
    path.write_text(path.read_text() + "      Fill in the form: 2: Me\n")
    run(home, "journey", "import", str(path), "--into", name, check_ok=True)
    assert [s.label for s in _show(home, name).steps] == ["Fill in the form"]


def test_merging_keeps_what_mermaid_cannot_hold_for_every_template() -> None:
    from journeys.demo import demo_journeys
    from journeys.interop import export_journey
    from journeys.templates import TEMPLATES, from_template

    for journey in [*demo_journeys(7), *(from_template(t, t) for t in TEMPLATES)]:
        text = export_journey(journey, "mermaid")
        assert revision_from_file(journey, text, "mermaid").journey == journey
        renamed = text.replace("\n      ", "\n      Renamed ", 1)  # one step relabelled: it is a new step
        revised = revision_from_file(journey, renamed, "mermaid").journey
        changes = diff_journeys(journey, revised)
        if journey.steps:
            assert len(changes.added_steps) == 1 and len(changes.removed_steps) == 1
