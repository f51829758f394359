"""SpreadsheetML 2003 workbooks (Freshdesk's "Excel" download): read streamed, the sheet chosen by name,
hostile or wrong files refused in words; the binary .xls refused with what to do instead."""

from __future__ import annotations

import tracemalloc
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from journeys.tickets.export_files import OLE2_MAGIC, SourceError, SourceInfo, sniff
from journeys.tickets.importer import TicketImportError, import_file, inspect_file
from journeys.tickets.spreadsheetml import rows
from tests.strategies import examples
from tests.tickets.exports import write_xlsx
from tests.tickets.samples import freshdesk

# text a cell may hold: XML specials, accents, emoji, spaces; never only a null marker
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(
    lambda t: t.strip() not in {"", "-", "--", "?", "N/A", "n/a", "#N/A", "null", "NULL", "Null", "none", "None",
                                "NONE", "nil"} and t == t.strip())
_cell = st.one_of(st.none(), _text, st.integers(-10**9, 10**9), st.datetimes(
    min_value=__import__("datetime").datetime(1990, 1, 1), max_value=__import__("datetime").datetime(2030, 1, 1)))


def _xml(value) -> str:
    if isinstance(value, int):
        return f'<Data ss:Type="Number">{float(value)!r}</Data>'
    if hasattr(value, "isoformat"):
        return f'<Data ss:Type="DateTime">{value.replace(microsecond=0).isoformat()}.000</Data>'
    return f'<Data ss:Type="String">{escape(value)}</Data>'


def _want(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
    return value


@examples(60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.lists(st.lists(_cell, min_size=1, max_size=6), min_size=1, max_size=8))
def test_cells_read_back_as_written(tmp_path, table):
    """Any grid — gaps written with ss:Index as Excel does — reads back cell for cell."""
    lines = []
    for row in table:
        cells, gap = [], False
        for k, v in enumerate(row):
            if v is None:
                gap = True
                continue
            cells.append((f'<Cell ss:Index="{k + 1}">' if gap else "<Cell>") + _xml(v) + "</Cell>")
            gap = False
        lines.append("<Row>" + "".join(cells) + "</Row>")
    doc = freshdesk.workbook([]).replace("</Workbook>", '<Worksheet ss:Name="S"><Table>' + "".join(lines)
                                         + "</Table></Worksheet></Workbook>")
    path = tmp_path / "grid.xls"
    path.write_text(doc, encoding="utf-8")
    got = list(rows(SourceInfo(path, "spreadsheetml")))
    want = [[_want(v) for v in row] for row in table]
    assert [r + [None] * (len(w) - len(r)) for r, w in zip(got, want, strict=True)] == want


def test_sheet_by_name_and_a_wrong_name_lists_the_sheets(tmp_path):
    path = tmp_path / "export.xls"
    data = freshdesk.write_xls(path, n=30, seed=2, pivot_first=True)
    first = sniff(path)
    assert first.format == "spreadsheetml" and first.sheet == "Summary"  # the first sheet with data
    assert "also has 'Tickets'" in " ".join(first.warnings)
    with pytest.raises(TicketImportError) as refused:  # the pivot has no ticket columns: the hint names the sheet
        import_file(path, tmp_path / "pivot.parquet", tmp_home=tmp_path)
    assert any(p.where == "sheet" and "'Tickets'" in p.reason for p in refused.value.problems)
    info, mapping = inspect_file(path, "tickets")  # names match ignoring case
    assert info.sheet == "Tickets" and mapping.layout == "freshdesk"
    report = import_file(path, tmp_path / "out.parquet", tmp_home=tmp_path, sheet="Tickets")
    assert report.rows_kept == len(data) == 30
    with pytest.raises(SourceError) as exc:
        sniff(path, sheet="Tickets 2025")
    assert "no sheet named 'Tickets 2025'" in str(exc.value)
    assert "'Summary', 'Tickets'" in " ".join(p.reason for p in exc.value.problems)


def test_xlsx_sheet_by_name(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", [["Ticket ID", "Created time"], [1, "2025-01-02 03:04:05"]], sheet="Data")
    assert sniff(path, sheet="data").sheet == "Data"
    with pytest.raises(SourceError) as exc:
        sniff(path, sheet="Pivot")
    assert "'Data'" in " ".join(p.reason for p in exc.value.problems)
    assert "applies to workbooks only" in " ".join(sniff(tmp_path / "t.csv" if (tmp_path / "t.csv").write_text(
        "a,b\n1,2\n") else None, sheet="x").warnings)


@pytest.mark.parametrize("body,words", [
    (OLE2_MAGIC + b"\x00" * 600, "save it as CSV or .xlsx, then import that"),
    (b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
     b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet><Table><Row><Cell>'
     b'<Data ss:Type="String">&b;</Data></Cell></Row></Table></Worksheet></Workbook>', "document type"),
    (b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
     b'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="A"><Table><Row><Cell>'
     b'<Data ss:Type="String">x</Data></Cell></Row><Row><Cell>', "not well-formed"),
    (b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
     b'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="A"><Table/></Worksheet>'
     b'</Workbook>', "no data"),
])
def test_refusals_say_why(tmp_path, body, words):
    path = tmp_path / "export.xls"
    path.write_bytes(body)
    with pytest.raises(SourceError) as exc:
        info = sniff(path)
        list(rows(info))
    text = str(exc.value) + " " + " ".join(p.reason for p in exc.value.problems)
    assert words in text


def _peak(path) -> tuple[int, int]:
    info = sniff(path)
    tracemalloc.start()
    count = sum(1 for _ in rows(info))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return count, peak


def test_reading_is_streamed(tmp_path):
    """Memory while reading does not grow with the rows: 4× the rows, about the same peak (a few rows' worth
    plus the parser's buffers), far below the file's size."""
    small, big = tmp_path / "small.xls", tmp_path / "big.xls"
    freshdesk.write_xls(small, n=800, seed=5)
    freshdesk.write_xls(big, n=3_200, seed=5)
    (n_small, p_small), (n_big, p_big) = _peak(small), _peak(big)
    assert (n_small, n_big) == (801, 3_201)
    assert p_big < 1.5 * p_small, (p_small, p_big)
    assert p_big < big.stat().st_size / 3, (p_big, big.stat().st_size)


def test_absurd_indexes_stay_bounded(tmp_path):
    """``ss:Index="999999999"`` on a cell or a row neither pads a row to a billion cells nor loops a billion times."""
    doc = freshdesk.workbook([]).replace("</Workbook>", (
        '<Worksheet ss:Name="S"><Table><Row><Cell><Data ss:Type="String">Ticket ID</Data></Cell>'
        '<Cell ss:Index="999999999"><Data ss:Type="String">Created time</Data></Cell></Row>'
        '<Row ss:Index="999999999"><Cell><Data ss:Type="Number">1</Data></Cell></Row></Table></Worksheet></Workbook>'))
    path = tmp_path / "absurd.xls"
    path.write_text(doc, encoding="utf-8")
    got = list(rows(SourceInfo(path, "spreadsheetml")))
    assert got[0] == ["Ticket ID", "Created time"]  # the cell lands next, not a billion columns on
    assert len(got) <= 1_000_002 and got[-1] == ["1"]
