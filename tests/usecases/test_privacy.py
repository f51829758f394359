"""The workspace's privacy setting and masking at import: owners only, and with masking on the raw values are
written nowhere — not in the dataset's Parquet, not in any other file under the workspace folder (staging and
work files included, also while the import runs), not in the database."""

from __future__ import annotations

import contextlib
import csv
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from journeys.errors import NotAllowed, StaleWrite
from journeys.members import Role, User
from journeys.usecases import privacy_settings as privacy
from journeys.usecases import ticket_import
from journeys.workspace import Workspace, open_workspace

EMAIL = "maria.lopez@example.org"
PHONE = "+44 20 7946 0958"
CARD = "4539 1488 0343 6467"  # Luhn-valid test number
RAW = {"email": EMAIL, "phone": PHONE, "card": CARD}
# the forms a value could be stored in besides its own: digits only, and the address in upper case
FORMS = [EMAIL, EMAIL.upper(), PHONE, "442079460958", CARD, "4539148803436467"]


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with open_workspace(tmp_path / "home", name="team") as opened:
        yield opened


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """A small export with the three values in the subject and the description (a text extra), plus rows of
    ordinary text the masking must leave alone."""
    path = tmp_path / "src" / "export.csv"
    path.parent.mkdir()
    rows = [
        ["1001", "2026-11-02 09:15:00", f"Refund to {EMAIL}, call {PHONE}", f"My card {CARD} was charged twice"],
        ["1002", "2026-11-02 10:00:00", f"Card {CARD} declined", f"Write to {EMAIL} or ring {PHONE}"],
        ["1003", "2026-11-03 11:30:00", "Order #48213 late since 2026-12-07", "Parcel 123456 not here"],
        ["1004", f"sent by {EMAIL}", "no date", ""],  # rejected: the report quotes the unusable value
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Ticket ID", "Created at", "Subject", "Description"])
        writer.writerows(rows)
    return path


def _texts_in_parquet(path: Path) -> str:
    table = pq.read_table(path)
    return "\n".join(str(v) for column in table.columns for v in column.to_pylist())


def _texts_in_database(path: Path) -> str:
    with sqlite3.connect(path) as con:
        return "\n".join(con.iterdump())


def _found_under(home: Path) -> dict[str, list[str]]:
    """Every raw form found in a file under ``home``: raw bytes of every file, every Parquet file read back
    (its pages are compressed), the SQLite database dumped as SQL."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        texts = [path.read_bytes().decode("utf-8", "replace")]
        if path.suffix == ".parquet" or ".parquet" in path.name:
            with contextlib.suppress(Exception):  # a file still being written: its raw bytes were scanned above
                texts.append(_texts_in_parquet(path))
        if path.name.endswith(".db"):
            texts.append(_texts_in_database(path))
        hits = [form for form in FORMS if any(form in text for text in texts)]
        if hits:
            found[str(path.relative_to(home))] = hits
    return found


def test_masking_is_off_until_an_owner_turns_it_on_and_each_change_is_a_revision(ws: Workspace) -> None:
    assert privacy.masking_on(ws) is False and privacy.current(ws).version == 0
    assert privacy.set_masking(ws, True, "Ana") == 1
    assert privacy.masking_on(ws) is True
    assert privacy.set_masking(ws, True, "Ana") == 1  # already on: nothing saved
    assert privacy.set_masking(ws, False, "Bo") == 2
    stored = privacy.current(ws)
    assert (stored.settings.mask_at_import, stored.version, stored.author) == (False, 2, "Bo")
    history = privacy.Privacy(ws.store).history(ws.name)
    assert sorted((r.version, r.author, r.message) for r in history) == [
        (1, "Ana", "Masking personal data at import turned on"),
        (2, "Bo", "Masking personal data at import turned off")]


def test_a_change_on_top_of_a_version_someone_replaced_is_refused(ws: Workspace) -> None:
    privacy.set_masking(ws, True, "Ana")
    privacy.set_masking(ws, False, "Bo")
    with pytest.raises(StaleWrite):
        privacy.set_masking(ws, True, "Ana", expected_version=1)
    assert privacy.masking_on(ws) is False


@pytest.mark.parametrize("role", [Role.editor, Role.viewer, None])
def test_only_owners_change_the_privacy_setting(ws: Workspace, role: Role | None) -> None:
    other = ws.as_user(User("eve@example.com", "Eve"), role)
    with pytest.raises(NotAllowed) as refused:
        privacy.set_masking(other, True, "Eve")
    if role is not None:
        assert "privacy settings" in str(refused.value) and "owner" in str(refused.value)
    assert privacy.masking_on(ws) is False
    if role is not None:
        assert privacy.masking_on(other) is False  # anyone in the workspace may read it


def test_with_masking_on_the_raw_values_are_written_nowhere(ws: Workspace, export: Path) -> None:
    privacy.set_masking(ws, True, "Ana")
    during: dict[str, list[str]] = {}
    seen: set[str] = set()

    def look(stage: str, _fraction: float) -> None:  # every stage of the import: staging and work files too
        seen.update(p.name for p in ws.home.rglob("*") if p.is_file())
        for where, hits in _found_under(ws.home).items():
            during.setdefault(f"{stage}: {where}", hits)

    imported = ticket_import.import_tickets(ws, export, "November", "Ana", progress=look)
    assert imported.report.rows_kept == 3
    assert imported.report.masked == {"email": 2, "phone": 2, "card": 2}
    assert "2 e-mail addresses, 2 phone numbers, 2 card numbers" in imported.report.summary()
    assert during == {}
    assert any(name.endswith(".parquet.tmp") for name in seen)  # the scan ran while the staging file was written
    assert _found_under(ws.home) == {}
    by_id = {row["ticket_id"]: row for row in pq.read_table(imported.dataset.path).to_pylist()}
    assert by_id["1001"]["subject"] == "Refund to [email], call [phone]"
    assert by_id["1001"]["x_Description"] == "My card [card] was charged twice"
    assert by_id["1002"]["x_Description"] == "Write to [email] or ring [phone]"
    assert by_id["1003"]["subject"] == "Order #48213 late since 2026-12-07"  # no personal data: unchanged
    assert by_id["1003"]["x_Description"] == "Parcel 123456 not here"
    stored_report = ws.datasets.latest("November").report
    assert stored_report["masked"] == {"email": 2, "phone": 2, "card": 2}
    assert stored_report["examples"]["unparseable created_at"] == ["row 4: 'sent by [email]'"]


def test_with_masking_off_the_values_are_kept_as_written(ws: Workspace, export: Path) -> None:
    imported = ticket_import.import_tickets(ws, export, "November", "Ana")
    assert imported.report.masked is None
    assert "Masked" not in imported.report.summary()
    rows = {row["ticket_id"]: row for row in pq.read_table(imported.dataset.path).to_pylist()}
    assert rows["1001"]["subject"] == f"Refund to {EMAIL}, call {PHONE}"
    assert rows["1001"]["x_Description"] == f"My card {CARD} was charged twice"
    found = _found_under(ws.home)
    assert any(set(RAW.values()) <= set(hits) for hits in found.values())  # the scan does see them
    assert EMAIL in str(ws.datasets.latest("November").report["examples"])
