"""`journeys journey import FILE --into NAME`: a file kept in a wiki comes back as a new revision, end to end.

The command line (in-process, tests.cli.runner) on a real workspace (SQLite), as a team would run it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from journeys.demo import DEMO_JOURNEY
from journeys.diff import diff_journeys
from journeys.interop import export_journey, import_journey, revision_from_file
from tests.cli.runner import run
from tests.tickets.samples.mermaid_journey import docs_example, skeleton


@pytest.fixture(scope="module")
def home(cli_demo_copy) -> Path:
    """The demo workspace. The tests need a dataset to measure, not a size: the session's 20,000-ticket demo
    stands in for the 200,000 `init --demo` makes by default."""
    return cli_demo_copy(20_000)


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
    dataset = json.loads(run(home, "tickets", "list", "--format", "json", check_ok=True).stdout)[0]["dataset"]
    metrics = run(home, "metrics", "--dataset", dataset, "--journey", name, "--by", "step", "--format", "json",
                  check_ok=True)
    assert json.loads(metrics.stdout)["journey"] == name  # no step to measure: no step rows, no failure
    assert not [r for r in json.loads(metrics.stdout)["rows"] if r.get("journey_step") not in (None, "", "(unmapped)")]
    for fmt in ("json", "graphml", "mermaid", "mermaid-flowchart"):
        assert run(home, "journey", "export", name, "--to", fmt, check_ok=True).stdout.strip()
    # steps written in the wiki later come back into the draft as a revision
    path.write_text(path.read_text() + "      Fill in the form: 2: Me\n")
    run(home, "journey", "import", str(path), "--into", name, check_ok=True)
    assert [s.label for s in _show(home, name).steps] == ["Fill in the form"]


def test_merging_keeps_what_mermaid_cannot_hold_for_every_template() -> None:
    from journeys.demo import demo_journeys
    from journeys.templates import TEMPLATES, from_template

    for journey in [*demo_journeys(7), *(from_template(t, t) for t in TEMPLATES)]:
        text = export_journey(journey, "mermaid")
        assert revision_from_file(journey, text, "mermaid").journey == journey
        renamed = text.replace("\n      ", "\n      Renamed ", 1)  # one step relabelled: it is a new step
        revised = revision_from_file(journey, renamed, "mermaid").journey
        changes = diff_journeys(journey, revised)
        if journey.steps:
            assert len(changes.added_steps) == 1 and len(changes.removed_steps) == 1


# ---------------------------------------------------------------- the page: New journey → From a file → revision

def _map_page(monkeypatch: pytest.MonkeyPatch, home: Path):
    from tests.pagetest import open_page, use_home

    use_home(monkeypatch, home)
    return open_page("map", journey=DEMO_JOURNEY)


def _dialog_import(at, name: str, data: bytes, target: str, meanwhile=lambda: None):
    from ui.journey_admin import REVISION

    def new_journey():
        return at.button[[b.label for b in at.button].index("New journey")]

    new_journey().click().run()
    at.file_uploader(key="import_file").set_value((name, data, "text/plain"))
    at.radio(key="import_target").set_value(REVISION if target == "revision" else "A new journey")
    meanwhile()  # what others do while the dialog is open
    # A dialog reruns on its own in a browser; AppTest only draws it on a run where its button was clicked.
    at.button(key="import_go").click()
    new_journey().click().run()
    assert not at.exception, at.exception
    return at


def _store():
    from journeys.settings import load_settings
    from journeys.store import Store

    return Store(load_settings().database_url)


def test_the_page_imports_a_wiki_file_as_a_new_revision(monkeypatch, tmp_path: Path) -> None:
    at = _map_page(monkeypatch, tmp_path / "home")
    store = _store()
    head = store.load("demo", DEMO_JOURNEY)
    text = export_journey(head.journey, "mermaid") + "    section Renew\n      Renews yearly: 5: Me\n%% from the wiki\n"
    _dialog_import(at, "billing.mmd", text.encode(), "revision")
    [newest, _] = store.history("demo", DEMO_JOURNEY)
    assert (newest.version, newest.author, newest.message) == (2, "Tester", "Imported from billing.mmd")
    after = store.load("demo", DEMO_JOURNEY).journey
    changes = diff_journeys(head.journey, after)
    assert [s.label for s in changes.added_steps] == ["Renews yearly"] and not changes.removed_steps
    toast = " ".join(t.value for t in at.toast)
    assert "as version 2 of" in toast and "ignored line " in toast and ": a comment" in toast
    assert not at.error


def test_the_page_refuses_a_revision_on_top_of_a_version_it_did_not_show(monkeypatch, tmp_path: Path) -> None:
    at = _map_page(monkeypatch, tmp_path / "home")
    store = _store()
    head = store.load("demo", DEMO_JOURNEY)
    text = export_journey(head.journey, "mermaid").replace(": 2: ", ": 4: ", 1)
    # a colleague saves after this session showed version 1
    _dialog_import(at, "billing.mmd", text.encode(), "revision",
                   meanwhile=lambda: store.restore("demo", DEMO_JOURNEY, 1, "A colleague"))
    assert "A colleague" in at.error[0].value and "nothing was saved" in at.error[0].value
    assert [r.version for r in store.history("demo", DEMO_JOURNEY)] == [2, 1]


def test_the_page_lists_a_bad_files_problems_and_saves_nothing(monkeypatch, tmp_path: Path) -> None:
    at = _map_page(monkeypatch, tmp_path / "home")
    _dialog_import(at, "bad.mmd", b"journey\nsection s\nPay: 9\nthis means nothing\n", "revision")
    shown = at.error[0].value
    assert "nothing was saved" in shown and "line 3" in shown and "line 4" in shown
    assert len(_store().history("demo", DEMO_JOURNEY)) == 1


def test_the_page_imports_a_skeleton_as_a_draft_the_map_says_is_a_draft(monkeypatch, tmp_path: Path) -> None:
    at = _map_page(monkeypatch, tmp_path / "home")
    _dialog_import(at, "draft.mmd", skeleton(["Discover", "Sign up", "Use"]).text.encode(), "new")
    at.run()  # the dialog's st.rerun() opens the new journey
    assert not at.exception, at.exception
    assert _store().load("demo", "Onboarding (draft)").journey.steps == []
    assert "0 steps" in " ".join(c.value for c in at.caption)
    finding = at.button(key="finding_draft:")
    assert "Draft: no steps yet" in finding.label
    finding.click().run()  # a finding without steps selects none
    assert not at.exception, at.exception
