"""`journeys metrics` before any journey exists: the CLI (in-process) on a temp workspace with one imported export.

A new team imports its Zendesk export and asks for numbers by group, channel, status, month or any
column before drawing a journey; step metrics still need one. Expected figures are computed here with
pandas from the generated rows (tests/tickets/samples/zendesk_definitions.py), not through our importer.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.cli.runner import run
from tests.tickets.samples import zendesk_definitions


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    home = tmp_path_factory.mktemp("nojourney")
    path, made = zendesk_definitions.write(home / "zendesk.csv")
    run(home, "init", check_ok=True)
    run(home, "tickets", "import", str(path), "--dataset", "Z", check_ok=True)
    assert json.loads(run(home, "journey", "list", "--format", "json", check_ok=True).stdout) == []
    rows = pd.DataFrame(made)
    rows["replies"] = rows["Replies"].astype(int)
    rows["reopens"] = rows["Reopens"].astype(int)
    rows["frt"] = pd.to_numeric(rows["First reply time in minutes"], errors="coerce")
    rows["rated"] = rows["Satisfaction Score"].map({"Good": 1.0, "Bad": 0.0})  # Offered/Unoffered: not ratings
    return home, rows


def _json(home: Path, *args: str) -> dict:
    return json.loads(run(home, "metrics", "--dataset", "Z", *args, "--format", "json", check_ok=True).stdout)


def test_by_group_needs_no_journey_and_equals_pandas(home):
    home, rows = home
    out = _json(home, "--by", "group")
    assert out["journey"] is None and out["by"] == ["group"] and out["few_tickets"] == "show"
    got = {r["group"]: r for r in out["rows"]}
    by = rows.groupby("Group")
    assert {g: r["volume"] for g, r in got.items()} == by.size().to_dict()
    for group, part in by:
        row = got[group]
        assert row["csat"] == pytest.approx(part["rated"].mean(), abs=1e-6)
        assert row["frt_p50"] == pytest.approx(part["frt"].median(), abs=1e-6)
        fcr = ((part["replies"] <= 1) & (part["reopens"] == 0)).mean()
        assert row["fcr_rate"] == pytest.approx(fcr, abs=1e-6)
    assert "repeat_contact_rate" not in got["Billing"] and "contact_rate" not in got["Billing"]  # need steps
    assert set(out["definitions"]["fcr_rate"]) == {"id", "definition"}
    assert out["definitions"]["fcr_rate"]["id"] == "fcr_rate.ours"


def test_a_small_group_shows_its_value_marked_few_with_n(home):
    home, rows = home
    tiny = next(r for r in _json(home, "--by", "group")["rows"] if r["group"] == "Tiny")
    part = rows[rows["Group"] == "Tiny"]
    assert tiny["n"] == len(part) < 30
    assert tiny["few"]["frt_p50"] == {"n": int(part["frt"].notna().sum()), "few": True}
    assert tiny["frt_p50"] == pytest.approx(part["frt"].median(), abs=1e-6)  # shown, not blanked
    assert tiny["few"]["csat"]["n"] == int(part["rated"].notna().sum())
    assert "volume" not in tiny["few"]  # a count is never "too few"
    blank = next(r for r in _json(home, "--by", "group", "--few-tickets", "blank")["rows"] if r["group"] == "Tiny")
    assert blank["frt_p50"] is None and blank["few"]["frt_p50"]["few"] is True


def test_by_status_month_channel_and_an_extra_column(home):
    home, rows = home
    by_status = {r["status"]: r["n"] for r in _json(home, "--by", "status")["rows"]}
    assert by_status == rows["Status"].value_counts().to_dict()
    months = _json(home, "--by", "month")["rows"]
    created = pd.to_datetime(rows["Created at"]).dt.to_period("M").value_counts()
    assert [r["n"] for r in months] == [int(created[p]) for p in sorted(created.index)]
    channels = {r["channel"]: r["n"] for r in _json(home, "--by", "channel")["rows"]}
    assert channels == rows["Via"].value_counts().to_dict()
    plans = _json(home, "--by", "x_Plan [txt]")["rows"]
    assert [(r["x_Plan [txt]"], r["n"]) for r in plans] == [("Pro", len(rows))]


def test_step_metrics_still_need_a_journey_and_bad_columns_are_one_line(home):
    home, _ = home
    out = run(home, "metrics", "--dataset", "Z")
    assert out.returncode == 2 and "no current-state journey" in out.stderr and "--by group" in out.stderr
    out = run(home, "metrics", "--dataset", "Z", "--by", "no_such_column")
    assert out.returncode == 2 and "unknown column 'no_such_column'" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_csv_carries_few_marks_and_definition_ids_and_stderr_the_words(home):
    home, _ = home
    out = run(home, "metrics", "--dataset", "Z", "--by", "group", "--format", "csv", check_ok=True)
    table = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(table[0])[-2:] == ["few_tickets", "definitions"]
    tiny = next(r for r in table if r["group"] == "Tiny")
    assert "frt_p50 n=" in tiny["few_tickets"] and tiny["frt_p50"] != ""
    assert {r["definitions"] for r in table} == {"fcr_rate=ours; frt=ours; reopen_rate=any; others=ours"}
    assert "definition fcr_rate.ours: Share of tickets resolved with at most one agent reply" in out.stderr


def test_definitions_set_changes_the_numbers_and_their_names(home, tmp_path):
    home, rows = home
    run(home, "definitions", "set", "fcr_rate", "zendesk_one_touch", check_ok=True)
    try:
        out = _json(home, "--by", "group")
        assert out["definitions"]["fcr_rate"]["id"] == "fcr_rate.zendesk_one_touch"
        solved = rows[rows["Status"].isin(["solved", "closed"])]
        expected = (solved["replies"] < 2).groupby(solved["Group"]).mean()
        for row in out["rows"]:
            assert row["fcr_rate"] == pytest.approx(expected[row["group"]], abs=1e-6)
        listed = json.loads(run(home, "definitions", "list", "--format", "json", check_ok=True).stdout)
        assert [r["variant"] for r in listed if r["chosen"] and r["metric"] == "fcr"] == ["zendesk_one_touch"]
        bad = run(home, "definitions", "set", "fcr_rate", "nonsense")
        assert bad.returncode == 2 and "pick one of ours, zendesk_one_touch, intercom_first_contact" in bad.stderr
        run(home, "definitions", "set", "few-tickets", "blank", check_ok=True)
        tiny = next(r for r in _json(home, "--by", "group")["rows"] if r["group"] == "Tiny")
        assert tiny["frt_p50"] is None and tiny["few"]["frt_p50"]["few"] is True
    finally:
        run(home, "definitions", "set", "fcr_rate", "ours", check_ok=True)
        run(home, "definitions", "set", "few-tickets", "show", check_ok=True)


# --- the Friction page's overview, before any journey (AppTest) ------------------------------------------

def workspace_without_journey(home: Path, n: int = 400) -> pd.DataFrame:
    """A workspace with the Zendesk sample imported (real importer) and no journey; returns the generated rows."""
    from journeys.store import Store
    from journeys.tickets.datasets import Datasets
    from journeys.tickets.importer import import_file

    path, made = zendesk_definitions.write(home.parent / f"{home.name}-zendesk.csv", n=n)
    with Store.for_folder(home) as store:
        datasets = Datasets(store, home)
        staged = datasets.staging_path("demo", "Zendesk export")
        import_file(path, staged, tmp_home=home)
        datasets.commit("demo", "Zendesk export", staged, {}, "fixture")
    return pd.DataFrame(made)


@pytest.fixture(scope="module")
def page_home(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    home = tmp_path_factory.mktemp("page") / "workspace"
    return home, workspace_without_journey(home)


def _overview(at) -> pd.DataFrame:
    return at.dataframe[0].value


def test_the_page_shows_the_overview_by_group_before_any_journey(page_home, monkeypatch):
    from tests.pagetest import open_page, use_home

    home, rows = page_home
    use_home(monkeypatch, home)
    at = open_page("friction")
    assert any("No journey yet" in i.value for i in at.info)
    view = _overview(at)
    view = view.set_index(view["Group"].str.split(" · ").str[0])  # "Tiny · few tickets (n=10)"
    assert view["Tickets"].to_dict() == rows["Group"].value_counts().to_dict()
    assert view.loc["Tiny", "Group"] == f"Tiny · few tickets (n={(rows['Group'] == 'Tiny').sum()})"
    rated = rows["Satisfaction Score"].map({"Good": 1.0, "Bad": 0.0})
    for group, part in rated.groupby(rows["Group"]):
        assert view.loc[group, "CSAT"].startswith(f"{part.mean():.0%}")
    tiny = rows[rows["Group"] == "Tiny"]
    frt = pd.to_numeric(tiny["First reply time in minutes"], errors="coerce")
    assert view.loc["Tiny", "First reply p50"] == f"{frt.median():,.0f} min (n={frt.notna().sum()})"
    assert "(n=" not in view.loc["Billing", "First reply p50"]
    assert "Resolution p50" in view  # the sample carries resolution times
    captions = " ".join(c.value for c in at.caption)
    assert "First-contact resolution: Share of tickets resolved with at most one agent reply" in captions

    at.session_state["overview_by"] = "channel"
    at.run()
    assert _overview(at).set_index("Channel")["Tickets"].to_dict() == rows["Via"].value_counts().to_dict()


def test_the_page_saves_a_vendor_definition_and_the_numbers_follow(page_home, monkeypatch):
    from journeys.definitions import load_settings
    from journeys.store import Store
    from tests.pagetest import open_page, use_home

    home, rows = page_home
    use_home(monkeypatch, home)
    at = open_page("friction")
    at.selectbox(key="definitions_fcr").set_value("zendesk_one_touch")
    at.selectbox(key="definitions_few").set_value("blank")
    at.button(key="definitions_save").click().run()
    assert not at.exception
    try:
        with Store.for_folder(home) as store:
            saved, version = load_settings(store, "demo")
        assert saved.chosen("fcr").name == "zendesk_one_touch" and saved.few_tickets == "blank" and version >= 1
        view = _overview(at)
        view = view.set_index(view["Group"].str.split(" · ").str[0])
        solved = rows[rows["Status"].isin(["solved", "closed"])]
        one_touch = (solved["Replies"].astype(int) < 2).groupby(solved["Group"]).mean()
        assert view.loc["Billing", "FCR"] == f"{one_touch['Billing']:.0%}"
        assert view.loc["Tiny", "FCR"].startswith("– (n=")  # blank: no value, its n still said
        assert "Zendesk one-touch" in " ".join(c.value for c in at.caption)
    finally:
        at.selectbox(key="definitions_fcr").set_value("ours")
        at.selectbox(key="definitions_few").set_value("show")
        at.button(key="definitions_save").click().run()
