"""``journeys privacy show`` and ``journeys privacy mask on|off``, and an import that honours the setting."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from journeys.workspace import open_workspace
from tests.cli.runner import AUTHOR, run


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    run(home, "init", check_ok=True)
    return home


def test_show_then_turn_masking_on_and_off(home: Path) -> None:
    shown = run(home, "privacy", "show", check_ok=True).stdout
    assert "Masking at import: off" in shown and "Never changed" in shown
    on = run(home, "privacy", "mask", "on", check_ok=True).stdout
    assert "Masking at import is on in 'demo'" in on and "[email], [phone], [card]" in on
    assert "already imported are unchanged" in on
    data = json.loads(run(home, "privacy", "show", "--format", "json", check_ok=True).stdout)
    assert (data["mask_at_import"], data["version"], data["changed_by"]) == (True, 1, AUTHOR)
    assert f"Changed by {AUTHOR}" in run(home, "privacy", "show", check_ok=True).stdout
    assert "already on" in run(home, "privacy", "mask", "on", check_ok=True).stdout
    assert "is off" in run(home, "privacy", "mask", "off", check_ok=True).stdout
    assert json.loads(run(home, "privacy", "show", "--format", "json").stdout)["version"] == 2


def test_a_state_other_than_on_or_off_is_refused(home: Path) -> None:
    out = run(home, "privacy", "mask", "maybe")
    assert out.returncode == 2 and "'maybe' is not one of 'on', 'off'" in out.stderr
    assert json.loads(run(home, "privacy", "show", "--format", "json").stdout)["version"] == 0


def test_tickets_import_masks_when_the_setting_is_on(home: Path, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    with export.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Ticket ID", "Created at", "Subject", "Description"])
        writer.writerow(["1", "2026-11-02 09:15:00", "Mail ann@example.com", "Card 4539 1488 0343 6467"])
        writer.writerow(["2", "2026-11-02 09:20:00", "Call (555) 123-4567", "no personal data"])
    run(home, "privacy", "mask", "on", check_ok=True)
    out = run(home, "tickets", "import", str(export), "--dataset", "nov", check_ok=True).stdout
    assert "Masked before writing (privacy setting): 1 e-mail address, 1 phone number, 1 card number." in out
    with open_workspace(home) as ws:
        rows = pq.read_table(ws.dataset("nov").path).to_pylist()
    assert [(r["subject"], r["x_Description"]) for r in rows] == [
        ("Mail [email]", "Card [card]"), ("Call [phone]", "no personal data")]
