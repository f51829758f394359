"""Hostile exports (issue 12, point 1 and the xlsx cap of point 9): nothing garbled, nothing silently lost.

Files come from :mod:`tests.tickets.hostile_corpus`, written at test time; the CLI is run as a user runs it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from journeys.discover.log import import_log
from journeys.tickets.export_files import (
    ENCODING_PROBES,
    MAX_COLUMNS,
    PROBE_BYTES,
    SNIFF_BYTES,
    SourceError,
    check_xlsx,
    decide_encoding,
    encoding_probes,
    sniff,
    transcode,
)
from journeys.tickets.importer import TicketImportError, import_file
from tests.cli.runner import run
from tests.strategies import examples
from tests.tickets import hostile_corpus as corpus
from tests.tickets.exports import write_xlsx


def _subjects(out: Path) -> dict[str, str]:
    return {r["ticket_id"]: r["subject"] for r in pq.read_table(out, columns=["ticket_id", "subject"]).to_pylist()}


# --- encodings ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stray_at", [(1,), (0, 57, 140, 199)], ids=["one-near-the-top", "scattered"])
def test_utf8_with_stray_cp1252_bytes_stays_utf8_and_reports_the_lines(tmp_path, stray_at):
    written = corpus.stray_byte_csv(tmp_path / "stray.csv", stray_at=stray_at)
    report = import_file(written.path, tmp_path / "out.parquet")
    got = _subjects(tmp_path / "out.parquet")
    assert report.encoding == "utf-8"
    assert {k: got[k] for k in written.subjects} == written.subjects  # every valid accented name, exactly
    for i in stray_at:  # the bad rows are kept: their valid UTF-8 intact, only the stray byte read as cp1252
        assert got[str(i)] == f"{corpus.NAMES[i % len(corpus.NAMES)]} {i} éx"
    assert report.invalid_bytes["lines"] == len(stray_at)
    shown = [int(e.split(":")[0].removeprefix("line ")) for e in report.invalid_bytes["examples"]]
    assert shown == written.bad_lines[: len(shown)] and shown
    assert any("not valid UTF-8" in w and f"line {written.bad_lines[0]}" in w for w in report.warnings)


def test_stray_byte_beyond_the_head_is_found_by_the_probes_and_reported(tmp_path):
    path = corpus.big_csv(tmp_path / "big.csv", rows=60_000)
    data = bytearray(path.read_bytes())
    assert len(data) > 2 * SNIFF_BYTES
    cut = data.index(b"\n", len(data) * 3 // 4) + 1  # a line three quarters down
    line_no = data[:cut].count(b"\n") + 1
    data[cut:cut] = b"99999," + corpus.CREATED.encode() + b",late \xe9 Cr\xc3\xa8me\n"
    path.write_bytes(bytes(data))
    head, probes = data[:SNIFF_BYTES], encoding_probes(path, len(data))
    assert decide_encoding(bytes(head), probes) in {("utf-8", True), ("utf-8", False)}
    report = import_file(path, tmp_path / "out.parquet")
    got = _subjects(tmp_path / "out.parquet")
    assert report.encoding == "utf-8" and report.rows_kept == 60_001
    assert got["99999"] == "late é Crème" and got["0"] == f"{corpus.NAMES[0]} 0"
    assert report.invalid_bytes["examples"][0].startswith(f"line {line_no}: byte 0xE9")


def test_the_detector_reads_a_bounded_sample_of_a_huge_file(tmp_path):
    """The probes read at most ENCODING_PROBES + 1 chunks of PROBE_BYTES beyond the first MiB, whatever the size."""
    path = tmp_path / "sparse.csv"
    with path.open("wb") as fh:  # a 1 GiB sparse file: nothing is written but its last line
        fh.seek((1 << 30) - 10)
        fh.write(b"\nlast,line\n")
    probes = encoding_probes(path, path.stat().st_size)
    assert len(probes) == ENCODING_PROBES + 1
    assert sum(len(p) for p in probes) <= (ENCODING_PROBES + 1) * PROBE_BYTES


def test_cli_reports_stray_bytes_and_exits_0(tmp_path):
    written = corpus.stray_byte_csv(tmp_path / "stray.csv", stray_at=(1,))
    out = run(tmp_path / "home", "tickets", "import", str(written.path), "--dataset", "stray", "--format", "json",
              check_ok=True)
    report = json.loads(out.stdout)["report"]
    assert report["encoding"] == "utf-8" and report["rows_kept"] == 200
    assert report["invalid_bytes"]["lines"] == 1 and report["invalid_bytes"]["examples"][0].startswith("line 3:")
    table = run(tmp_path / "home", "tickets", "import", str(written.path), "--dataset", "stray", check_ok=True)
    assert "utf-8" in table.stdout and "line 3: byte 0xE9" in table.stdout


def test_a_real_windows_1252_file_still_imports_as_cp1252(tmp_path):
    written = corpus.cp1252_csv(tmp_path / "win.csv")
    report = import_file(written.path, tmp_path / "out.parquet")
    assert report.encoding == "cp1252" and report.invalid_bytes is None
    assert _subjects(tmp_path / "out.parquet") == written.subjects


def test_mixed_line_endings_keep_every_row(tmp_path):
    written = corpus.mixed_newlines_csv(tmp_path / "mixed.csv")
    report = import_file(written.path, tmp_path / "out.parquet")
    assert report.rows_kept == report.rows_read == 300 and report.rows_rejected == 0
    assert _subjects(tmp_path / "out.parquet") == written.subjects


def test_an_event_log_with_mixed_line_endings_and_a_stray_byte(tmp_path):
    text = "case,activity,timestamp\n" + "".join(
        f"c{i // 3},{('Ordered', 'Shipped', 'Delivered')[i % 3]} é,2024-03-0{1 + i % 3} 10:00:00"
        + ("\r\n", "\n", "\r")[i % 3] for i in range(90))
    data = bytearray(text.encode("utf-8"))
    at = data.index(b"\n", 200) + 1
    data[at:at] = b"c99,Ordered \xe9,2024-03-01 10:00:00\n"
    (tmp_path / "log.csv").write_bytes(bytes(data))
    report = import_log(tmp_path / "log.csv", tmp_path / "log.parquet")
    assert report.rows_kept == 91 and report.encoding == "utf-8"
    activities = set(pq.read_table(tmp_path / "log.parquet", columns=["activity"]).column(0).to_pylist())
    assert activities == {"Ordered é", "Shipped é", "Delivered é"}  # the stray é read as é, the rest as UTF-8
    assert any("not valid UTF-8" in w for w in report.warnings)


# --- width, NDJSON ------------------------------------------------------------------------------------------

def test_ten_thousand_columns_are_refused_in_words(tmp_path):
    written = corpus.wide_csv(tmp_path / "wide.csv", columns=10_000)
    with pytest.raises(TicketImportError) as caught:
        import_file(written.path, tmp_path / "out.parquet")
    text = str(caught.value)
    assert "10,000 columns" in text and f"{MAX_COLUMNS:,}" in text and "Out of Memory" not in text
    out = run(tmp_path / "home", "tickets", "import", str(written.path))
    assert out.returncode == 2 and "10,000 columns" in out.stderr and "Memory" not in out.stderr
    assert not (tmp_path / "out.parquet").exists()


def test_a_file_at_the_column_limit_imports(tmp_path):
    written = corpus.wide_csv(tmp_path / "wide.csv", columns=MAX_COLUMNS, rows=50)
    report = import_file(written.path, tmp_path / "out.parquet")
    assert report.rows_kept == 50 and len(report.extras) == MAX_COLUMNS - 2


@pytest.mark.parametrize("rows, bad", [(100, (50,)), (30_000, (25_000,))], ids=["in-the-sample", "far-down"])
def test_a_bad_ndjson_line_is_reported_and_the_rest_kept(tmp_path, rows, bad):
    written = corpus.ndjson_with_bad_lines(tmp_path / "t.ndjson", rows=rows, bad=bad)
    report = import_file(written.path, tmp_path / "out.parquet")
    assert report.rows_kept == rows - len(bad)
    assert report.rejected == {"malformed line (not valid JSON)": len(bad)}
    assert report.examples["malformed line (not valid JSON)"] == [f"line {n}" for n in written.bad_lines]
    assert _subjects(tmp_path / "out.parquet") == written.subjects


# --- Excel zip bombs ------------------------------------------------------------------------------------------

def test_an_xlsx_zip_bomb_is_refused_before_anything_is_inflated(tmp_path):
    bomb = corpus.xlsx_bomb(tmp_path / "bomb.xlsx", inflated=64 << 20)
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(TicketImportError) as caught:
        import_file(bomb, tmp_path / "out.parquet")
    assert "zip bomb" in str(caught.value) and "times its size" in str(caught.value)
    out = run(tmp_path / "home", "tickets", "import", str(bomb))
    assert out.returncode == 2 and "zip bomb" in out.stderr


def test_a_workbook_over_the_size_limit_is_refused_in_words(tmp_path):
    rows = [["Id", "Created at"], *[[str(i), corpus.CREATED] for i in range(200)]]
    path = write_xlsx(tmp_path / "ok.xlsx", rows)
    check_xlsx(path)  # a normal workbook passes
    with pytest.raises(SourceError) as caught:
        check_xlsx(path, max_bytes=1_000)
    assert "too large to open" in caught.value.message and "MAX_XLSX_BYTES" in str(caught.value)
    assert sniff(path).format == "xlsx"


# --- the property ---------------------------------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40)


@examples(150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_text, min_size=1, max_size=30), accents=st.lists(st.sampled_from(corpus.NAMES), min_size=1,
                                                                           max_size=10),
       injections=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6),
                                     st.sampled_from([b"\xe9", b"\x80", b"\xff", b"\xc3", b"\xe9\xe8", b"\x9d"])),
                           min_size=1, max_size=4))
def test_property_utf8_with_injected_invalid_bytes_stays_utf8(tmp_path, lines, accents, injections):
    """Arbitrary text with accented names, encoded as UTF-8, invalid bytes injected between characters:
    the detector says UTF-8 and every line without an injected byte round-trips exactly."""
    lines = [*accents, *lines]
    lines = [ln.replace("\r", " ").replace("\n", " ") for ln in lines]
    encoded = [ln.encode("utf-8") for ln in lines]
    hit: set[int] = set()
    for which, pos, junk in injections:
        k = which % len(lines)
        if k in hit:  # one injection a line: two side by side could form a valid sequence (0xC3 0x80 is À)
            continue
        cut = len(lines[k][: pos % (len(lines[k]) + 1)].encode("utf-8"))  # a character boundary
        encoded[k] = encoded[k][:cut] + junk + encoded[k][cut:]
        hit.add(k)
    data = b"\n".join(encoded) + b"\n"
    assert decide_encoding(data)[0] == "utf-8"
    src, dst = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_bytes(data)
    found = transcode(src, dst, "utf-8", errors="journeys_cp1252")
    back = dst.read_text(encoding="utf-8").split("\n")
    for k, line in enumerate(lines):
        if k not in hit:
            assert back[k] == line
    assert found is not None and found.lines == len(hit)
