"""`journeys tickets import` options, run as a user runs them (the command line, in-process, on a real workspace).

Every hint the importer gives names one of these options; each is used end to end here, and each
refusal exits 2 with the reason and leaves no dataset behind.
"""

from __future__ import annotations

import json
import re
import shlex
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeys.store import Store
from journeys.tickets.column_mapping import ColumnMapping, FieldMap
from journeys.tickets.datasets import Datasets
from journeys.tickets.importer import DATE_ORDER_WORDS, TicketImportError, cli_word, override_mapping
from tests.cli.runner import run
from tests.strategies import examples
from tests.tickets.exports import write_xlsx
from tests.tickets.test_import import write_csv

HEADER = ["Ref", "Opened", "Estado actual", "Reply secs"]
ROWS = [["A1", "01/02/2024 10:00", "abierto", "120"],
        ["A2", "03/04/2024 11:30", "cerrado", "90"]]


def _tickets(home: Path, dataset: str) -> dict[str, dict]:
    with Store.for_folder(home) as store:
        path = Datasets(store, home).latest("default", dataset).path
    return {r["ticket_id"]: r for r in pq.read_table(path).to_pylist()}


def _datasets(home: Path) -> list[str]:
    out = run(home, "-w", "default", "tickets", "list", "--format", "json", check_ok=True)
    return [d["dataset"] for d in json.loads(out.stdout)]


def _import(home: Path, path: Path, *options: str, check_ok: bool = True):
    return run(home, "-w", "default", "tickets", "import", str(path), *options, "--format", "json", check_ok=check_ok)


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home"


def test_map_date_order_and_timezone(home, tmp_path):
    path = write_csv(tmp_path / "sheet.csv", HEADER, ROWS)
    _import(home, path, "--dataset", "plain")
    plain = _tickets(home, "plain")
    assert plain["A1"]["status"] is None and str(plain["A1"]["created_at"]) == "2024-01-02 10:00:00+00:00"

    out = _import(home, path, "--dataset", "mapped", "--map", "status=Estado actual",
                  "--map", "first_response_minutes=Reply secs:seconds_to_minutes",
                  "--date-order", "dmy", "--timezone", "Europe/Berlin")
    report = json.loads(out.stdout)["report"]
    assert report["date_order"] == "dayfirst" and report["mapping"]["timezone"] == "Europe/Berlin"
    got = _tickets(home, "mapped")
    assert (got["A1"]["status"], got["A2"]["status"]) == ("abierto", "cerrado")
    assert (got["A1"]["first_response_minutes"], got["A2"]["first_response_minutes"]) == (2.0, 1.5)
    # 1 February 10:00 in Berlin (CET, UTC+1); 3 April 11:30 (CEST, UTC+2)
    assert str(got["A1"]["created_at"]) == "2024-02-01 09:00:00+00:00"
    assert str(got["A2"]["created_at"]) == "2024-04-03 09:30:00+00:00"

    _import(home, path, "--dataset", "unmapped", "--map", "status=", "--date-order", "mdy")
    assert _tickets(home, "unmapped")["A1"]["created_at"].month == 1


def test_ticket_key_collapses_a_log_without_an_order_column(home, tmp_path):
    path = write_csv(tmp_path / "log.csv", ["id", "created", "status"],
                     [["1", "2024-03-01 10:00", "new"], ["2", "2024-03-01 11:00", "new"],
                      ["1", "2024-03-01 10:00", "solved"]])
    out = _import(home, path, "--dataset", "dups")
    report = json.loads(out.stdout)["report"]
    assert report["rejected"] == {"duplicate ticket_id": 1}
    hint = " ".join(report["warnings"])
    assert "--ticket-key id" in hint
    _import(home, path, "--dataset", "log", "--ticket-key", "id")  # the hint, acted on
    got = _tickets(home, "log")
    assert len(got) == 2 and got["1"]["status"] == "solved"


def _with_pivot_first(path: Path) -> Path:
    """A workbook whose first sheet is a pivot summary and whose second holds the tickets."""
    pivot = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet '
             'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>Row Labels</t></is></c>'
             '<c r="B1" t="inlineStr"><is><t>Count of Ref</t></is></c></row>'
             '<row r="2"><c r="A2" t="inlineStr"><is><t>Grand Total</t></is></c><c r="B2"><v>2</v></c></row>'
             "</sheetData></worksheet>")
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n).decode() for n in z.namelist()}
    files["xl/worksheets/sheet2.xml"] = files["xl/worksheets/sheet1.xml"]
    files["xl/worksheets/sheet1.xml"] = pivot
    files["xl/workbook.xml"] = files["xl/workbook.xml"].replace('r:id="rId1"', 'r:id="rId3"').replace(
        "<sheets>", '<sheets><sheet name="Summary" sheetId="2" r:id="rId1"/>')
    files["xl/_rels/workbook.xml.rels"] = files["xl/_rels/workbook.xml.rels"].replace(
        "</Relationships>", '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                            'relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>')
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        "</Types>", '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


def test_sheet_names_the_workbook_sheet(home, tmp_path):
    book = _with_pivot_first(write_xlsx(tmp_path / "book.xlsx", [["Ref", "Opened", "Status"],
                                                                  ["A1", "2024-03-01 10:00", "open"],
                                                                  ["A2", "2024-03-02 10:00", "solved"]]))
    _import(home, book, "--dataset", "book", "--sheet", "Tickets")
    assert {k: v["status"] for k, v in _tickets(home, "book").items()} == {"A1": "open", "A2": "solved"}
    out = _import(home, book, "--dataset", "nosheet", "--sheet", "Nope", check_ok=False)
    assert out.returncode == 2 and "Nope" in out.stderr


def test_refusals_exit_2_and_write_nothing(home, tmp_path):
    path = write_csv(tmp_path / "sheet.csv", HEADER, ROWS)
    cases = [
        (["--map", "bogus=Ref"], "'bogus' is not a canonical column"),
        (["--map", "status"], "write FIELD=COLUMN"),
        (["--map", "status=Nope"], "no column 'Nope' in the file (columns: Ref, Opened"),
        (["--map", "ticket_id="], "ticket_id is required"),
        (["--map", "csat=Reply secs:hours_to_minutes"], "does not fit csat"),
        (["--ticket-key", "Nope"], "--ticket-key Nope: no column 'Nope'"),
        (["--timezone", "Mars/Olympus"], "--timezone Mars/Olympus: unknown time zone"),
        (["--date-order", "ydm"], "'ydm' is not one of"),
    ]
    for options, message in cases:
        out = _import(home, path, "--dataset", "refused", *options, check_ok=False)
        assert out.returncode == 2, (options, out.stderr)
        assert message in out.stderr, (options, out.stderr)
    assert "refused" not in _datasets(home)
    assert set(DATE_ORDER_WORDS) == {"dmy", "mdy", "ymd"}


def test_every_hint_names_an_option_that_exists(home, tmp_path):
    """The options the ticket importer's messages quote (any module of journeys.tickets, layouts included) are
    options of `journeys tickets import`."""
    import journeys.tickets as tickets

    help_text = run(home, "tickets", "import", "--help", check_ok=True).stdout
    quoted = set()
    for module in Path(tickets.__file__).parent.rglob("*.py"):
        quoted |= set(re.findall(r"(--[a-z][a-z-]+)", module.read_text(encoding="utf-8")))
    assert {"--map", "--ticket-key", "--date-order"} <= quoted
    assert all(option in help_text for option in quoted), quoted - set(re.findall(r"--[a-z-]+", help_text))


# --- the option parsers, as properties -----------------------------------------------------------------------

_NAME = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda s: s and "=" not in s)


@given(columns=st.lists(_NAME, min_size=1, max_size=6, unique=True), data=st.data())
@examples(150, deadline=None)
def test_map_option_takes_any_column_name_and_an_optional_transform(columns, data):
    base = ColumnMapping(layout="generic", fields={"ticket_id": FieldMap(columns[0]),
                                                   "created_at": FieldMap(columns[-1])})
    col = data.draw(st.sampled_from(columns))
    got = override_mapping(base, columns, (f"subject={col}",)).field("subject")
    assert (got.source, got.transform) == (col, "auto")
    if f"{col}:text" not in columns:
        got = override_mapping(base, columns, (f"subject={col}:text",)).field("subject")
        assert (got.source, got.transform) == (col, "text")
    missing = data.draw(_NAME.filter(lambda s: ":" not in s and s == s.strip() and s not in columns))
    with pytest.raises(TicketImportError) as refused:
        override_mapping(base, columns, (f"subject={missing}",))
    assert f"no column '{missing}'" in str(refused.value.problems[0])


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30))
def test_the_ticket_key_hint_quotes_any_column_for_the_shell(column):
    assert shlex.split(cli_word(column)) == [column]
