"""The Import tickets page through AppTest: upload, detection, mapping edits, profiles, import, bad files.

Files are generated here (the demo's Zendesk-layout generator), never real customer data. AppTest in
Streamlit 1.67 drives ``st.file_uploader`` (``set_value``), so the upload itself is tested for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journeys.demo.ticket_export import generate
from journeys.store import Store
from journeys.tickets.datasets import Datasets
from journeys.tickets.workflow import import_dataset
from ui import import_mapping as grid
from ui import import_view as view
from ui import uploads

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
WORKSPACE = "demo"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("JOURNEYS_HOME", str(tmp_path / "home"))
    for var in ("JOURNEYS_DATABASE_URL", "JOURNEYS_WORKSPACE"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "home"


@pytest.fixture
def zendesk_csv(tmp_path) -> bytes:
    """300 Zendesk-layout tickets; row 6 repeats row 5's id and row 8 has an unusable creation date."""
    frame = generate(300, seed=11)
    frame.loc[5, "Id"] = frame.loc[4, "Id"]
    frame.loc[7, "Created at"] = "not a date"
    return frame.to_csv(index=False).encode("utf-8-sig")


def _page(author: str | None = "Tester") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if author:
        at.session_state["author"] = author
    at.switch_page("pages/import_tickets.py")  # straight to the page, as a deep link (see tests/pagetest.py)
    at.run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


@contextmanager
def _datasets(home: Path) -> Iterator[Datasets]:
    """The page's datasets and profiles, read straight from the workspace folder."""
    with Store.for_folder(home) as store:
        yield Datasets(store, home)


def _uploads(home: Path) -> list[Path]:
    return [p for p in (home / uploads.UPLOADS_FOLDER).glob("**/*") if p.is_file()]


def _texts(at: AppTest) -> str:
    return "\n".join(str(el.value) for kind in ("markdown", "caption", "error", "warning", "info", "success")
                     for el in at.get(kind))


def test_upload_is_saved_inspected_and_the_zendesk_layout_proposed(home, zendesk_csv):
    at = _upload(_page(), "zendesk export.csv", zendesk_csv)
    assert at.session_state[view.INSPECTED].proposed.layout == "zendesk"
    assert "**Zendesk**" in [m.value for m in at.markdown]
    assert at.selectbox(key=grid.source_key("ticket_id")).value == "Id"
    assert at.selectbox(key=grid.source_key("created_at")).value == "Created at"
    assert at.selectbox(key=grid.source_key("customer_id")).value == "Requester id"
    assert at.selectbox(key=grid.source_key("handled_by")).value is None
    preview = at.dataframe[0].value
    assert len(preview) == 10 and "Subject" in preview.columns
    saved = _uploads(home)
    assert [p.name for p in saved] == ["zendesk export.csv"] and saved[0].read_bytes() == zendesk_csv
    assert not at.file_uploader  # the file is on disk now; the page offers "Choose another file"


def test_changing_a_column_changes_the_mapping_and_saves_a_profile_the_cli_can_use(home, tmp_path, zendesk_csv):
    at = _upload(_page(), "zendesk.csv", zendesk_csv)
    assert "Requester id" not in _texts(at)  # every column is used: nothing listed as an extra
    at.selectbox(key=grid.source_key("customer_id")).set_value("Group")
    at.run()
    assert not at.exception, at.exception
    assert "kept as extra attributes" in _texts(at) and "Requester id" in _texts(at)

    at.text_input(key=view.PROFILE_NAME).input("Zendesk monthly")
    at.button(key="imp_save_profile").click()
    at.run()
    assert not at.exception, at.exception
    assert any("Saved profile" in s.value for s in at.success)
    with _datasets(home) as datasets:
        assert datasets.list_profiles(WORKSPACE) == ["Zendesk monthly"]
        assert datasets.load_profile(WORKSPACE, "Zendesk monthly")["fields"]["customer_id"]["source"] == "Group"

    # a new upload starts from the proposal again; loading the profile brings the edit back
    _upload(at.button(key="imp_choose_another").click().run(), "zendesk.csv", zendesk_csv)
    assert at.selectbox(key=grid.source_key("customer_id")).value == "Requester id"
    at.selectbox(key=view.PROFILE_PICK).set_value("Zendesk monthly")
    at.button(key="imp_load_profile").click()
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key=grid.source_key("customer_id")).value == "Group"

    # the command line's --profile goes through the same workflow call
    source = tmp_path / "cli.csv"
    source.write_bytes(zendesk_csv)
    with Store.for_folder(home) as store:
        version, report = import_dataset(store, home, WORKSPACE, "cli", source, "cli", profile="Zendesk monthly")
    assert version.rows == 298 and report.mapping.field("customer_id").source == "Group"


def test_import_shows_the_report_and_creates_the_dataset(home, zendesk_csv):
    at = _upload(_page(), "november.csv", zendesk_csv)
    assert at.text_input(key=view.NEW_NAME).value == "november"
    at.text_input(key=view.NEW_NAME).input("November tickets")
    at.button(key="imp_run").click()
    at.run()
    assert not at.exception, at.exception

    [status] = at.status
    assert status.state == "complete" and "Imported 298 tickets into November tickets (version 1)" in status.label
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Rows read": "300", "Tickets kept": "298", "Rows left out": "2", "Repeated ids": "1",
                       "Update rows merged": "0"}
    rejected = at.dataframe[0].value
    assert set(rejected["Why rows were left out"]) == {"duplicate ticket_id", "unparseable created_at"}
    assert [link.value for link in at.page_link] == ["See where customers struggle (Friction)",
                                                     "Check how tickets land on steps (Mapping rules)"]
    with _datasets(home) as datasets:
        [dataset] = datasets.list(WORKSPACE)
    assert (dataset.name, dataset.version, dataset.rows, dataset.created_by) == ("November tickets", 1, 298, "Tester")
    assert at.dataframe[-1].value["Dataset"].tolist() == ["November tickets"]
    assert _uploads(home) == []  # the upload is removed once imported
    assert len(at.file_uploader) == 1  # ready for the next file

    # the next export of the same dataset: the page proposes it as the next version
    _upload(at, "November tickets.csv", zendesk_csv)
    assert at.selectbox(key=view.TARGET).value == "November tickets"
    at.button(key="imp_run").click()
    at.run()
    assert not at.exception, at.exception
    with _datasets(home) as datasets:
        assert [d.version for d in datasets.versions(WORKSPACE, "November tickets")] == [2, 1]


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("garbage.csv", bytes(range(256)) * 64, "not a text export"),
    ("empty.csv", b"", "The file is empty"),
    ("tickets.parquet", b"PAR1 this is not parquet", "Cannot read this PARQUET file"),
])
def test_an_unreadable_file_ends_in_a_message_and_saves_nothing(home, name, data, reason):
    at = _upload(_page(), name, data)
    [error] = at.error
    assert "cannot be imported" in error.value and reason.lower() in error.value.lower()
    assert not [b for b in at.button if b.key == "imp_run"]
    with _datasets(home) as datasets:
        assert datasets.list(WORKSPACE) == []
    assert _uploads(home) == []


def test_a_file_without_rows_fails_at_import_and_changes_nothing(home, zendesk_csv):
    header = zendesk_csv.split(b"\n")[0] + b"\n"
    at = _upload(_page(), "header only.csv", header)
    assert any("looks empty" in w.value for w in at.warning)
    at.button(key="imp_run").click()
    at.run()
    assert not at.exception, at.exception
    [status] = at.status
    assert status.state == "error" and status.label == view.FAILED_LABEL
    assert any("The file has no rows" in e.value for e in at.error)
    at.run()  # the failure stays in view while the user decides what to do
    assert [s.state for s in at.status] == ["error"]
    with _datasets(home) as datasets:
        assert datasets.list(WORKSPACE) == []
    assert not list((home / "datasets").glob("**/*.parquet"))


def test_mapping_problems_block_the_import(home, zendesk_csv):
    at = _upload(_page(), "zendesk.csv", zendesk_csv)
    at.selectbox(key=grid.source_key("created_at")).set_value(None)
    at.text_input(key=grid.TIMEZONE).input("Mars/Olympus")
    at.run()
    assert not at.exception, at.exception
    problems = at.error[0].value
    assert "2 thing(s) to fix" in problems and "Created (date and time)" in problems and "Mars/Olympus" in problems
    assert "created\\_at" not in problems and "created_at" not in problems
    assert at.button(key="imp_run").disabled
    # The mapping grid names fields in words, from the canonical schema: never the stored column name.
    fields = [m.value for m in at.markdown]
    assert "First response (minutes)" in fields and "Created (date and time) :red[required]" in fields
    assert not any("first_response_minutes" in f or "first\\_response" in f for f in fields)


def test_a_transform_with_an_argument_offers_the_columns(home, zendesk_csv):
    at = _upload(_page(), "zendesk.csv", zendesk_csv)
    at.selectbox(key=grid.transform_key("first_response_minutes")).set_value("diff_minutes")
    at.run()
    assert not at.exception, at.exception
    start = at.selectbox(key=grid.argument_key("first_response_minutes"))
    assert start.value == "Created at" and "Solved at" in start.options
    start.set_value("Solved at")
    at.text_input(key=view.PROFILE_NAME).input("since solved")
    at.button(key="imp_save_profile").click()
    at.run()
    assert not at.exception, at.exception
    with _datasets(home) as datasets:
        field = datasets.load_profile(WORKSPACE, "since solved")["fields"]["first_response_minutes"]
    assert field == {"source": "First reply time in minutes", "transform": "diff_minutes:Solved at"}


def test_without_a_name_the_import_waits_for_one(home, zendesk_csv):
    at = _upload(_page(author=None), "zendesk.csv", zendesk_csv)
    assert at.button(key="imp_run").disabled
    assert view.NAME_YOUR_SELF in _texts(at)


def test_file_content_is_shown_as_text_never_as_markup():
    from markdown_it import MarkdownIt

    text = "**bold** [x](http://e.com) :red[y] <b>hi</b> $x$ jane@acme.com"
    rendered = MarkdownIt("commonmark").render(view.plain(text))  # tests/ui/test_ui_text.py: the full check
    assert "<a" not in rendered and "<strong" not in rendered and "<b>" not in rendered
    assert "http://" not in view.plain(text) and "jane@acme" not in view.plain(text)
    assert uploads.safe_file_name("../../etc/passwd") == "passwd"
    assert uploads.safe_file_name("Zendesk export (1).CSV") == "Zendesk export (1).csv"
    assert uploads.safe_file_name("..\\..\\x.tsv") == "x.tsv"
    assert uploads.safe_file_name(".csv") == "csv"


def test_uploads_left_by_closed_sessions_are_cleaned_up(home):
    import os
    import time

    old = home / uploads.UPLOADS_FOLDER / "abandoned" / "old.csv"
    fresh = home / uploads.UPLOADS_FOLDER / "in-use" / "fresh.csv"
    for path in (old, fresh):
        path.parent.mkdir(parents=True)
        path.write_text("Id,Created at\n1,2026-01-01\n")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    _page()
    assert _uploads(home) == [fresh] and not old.parent.exists()
