"""Named definitions: each vendor variant on a generated export equals the figure pandas computes from the rows.

The samples are written by code from the vendors' documentation (tests/tickets/samples/*_definitions.py),
imported by the real importer, and measured by the real ``compute``; the expected figures are computed
here from the generated rows with pandas, never through our importer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journeys.definitions import DEFAULTS, MetricSettings, family_of, load_settings, resolve, save_settings
from journeys.errors import JourneysError, StaleWrite
from journeys.metrics import compute, tickets_table
from journeys.store import Store
from journeys.tickets.importer import import_file
from tests.tickets.samples import intercom_definitions, zendesk_definitions

MIN = 30
MEASURED = ["fcr_rate", "frt_p50", "frt_p90", "reopen_rate"]


def _settings(**chosen: str) -> MetricSettings:
    return MetricSettings({**DEFAULTS, **chosen})


def _measure(parquet: Path, settings: MetricSettings) -> tuple[pd.DataFrame, object]:
    table = tickets_table(parquet)
    resolved = resolve(settings, table.columns)
    frame = compute(table, by=["group"], metrics=MEASURED, definitions=resolved.overrides,
                    keep_few=settings.keep_few, min_sample=MIN)
    return frame.set_index("group"), resolved


def _imported(tmp_path_factory, sample) -> tuple[Path, pd.DataFrame]:
    """The sample written by code, imported by the real importer; its generated rows for pandas."""
    folder = tmp_path_factory.mktemp(sample.__name__.rsplit(".", 1)[-1])
    csv, made = sample.write(folder / "export.csv")
    import_file(csv, folder / "tickets.parquet", tmp_home=folder)
    return folder / "tickets.parquet", pd.DataFrame(made)


@pytest.fixture(scope="module")
def zendesk(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    parquet, rows = _imported(tmp_path_factory, zendesk_definitions)
    rows["replies"] = rows["Replies"].astype(int)
    rows["reopens"] = rows["Reopens"].astype(int)
    rows["frt"] = pd.to_numeric(rows["First reply time in minutes"], errors="coerce")
    rows["solved"] = rows["Status"].isin(["solved", "closed"])
    return parquet, rows


@pytest.fixture(scope="module")
def intercom(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    parquet, rows = _imported(tmp_path_factory, intercom_definitions)
    rows["group"] = rows["Team currently assigned"]
    rows["frt"] = rows["First response time (seconds)"].astype(float) / 60
    rows["closed"] = rows["Current conversation state"] == "closed"
    return parquet, rows


def _check(frame: pd.DataFrame, metric: str, expected: dict[str, float], samples: dict[str, int]) -> None:
    """Equal per group, the sample size too; a group under the minimum sample keeps its value and is flagged."""
    sample = frame.attrs["samples"][metric]
    assert set(expected) <= set(frame.index)
    for group, value in expected.items():
        assert frame.loc[group, sample] == samples[group], (metric, group)
        assert frame.loc[group, metric] == pytest.approx(value, abs=1e-9), (metric, group)
        assert bool(frame.loc[group, f"{metric}_too_few"]) == (samples[group] < MIN), (metric, group)


def test_ours_on_zendesk(zendesk):
    parquet, rows = zendesk
    frame, resolved = _measure(parquet, _settings())
    fcr = rows.assign(hit=(rows["replies"] <= 1) & (rows["reopens"] == 0)).groupby("Group")["hit"]
    _check(frame, "fcr_rate", fcr.mean().to_dict(), fcr.size().to_dict())
    reopened = rows.assign(hit=rows["reopens"] >= 1).groupby("Group")["hit"]
    _check(frame, "reopen_rate", reopened.mean().to_dict(), reopened.size().to_dict())
    answered = rows.dropna(subset=["frt"]).groupby("Group")["frt"]
    _check(frame, "frt_p90", answered.quantile(0.9).to_dict(), answered.size().to_dict())
    assert resolved.ids["fcr_rate"] == "fcr_rate.ours" and resolved.ids["reopen_rate"] == "reopen_rate.any"
    assert "at most one agent reply and no reopen" in resolved.words["fcr_rate"]


def test_zendesk_one_touch_and_reopened_after_solved(zendesk):
    parquet, rows = zendesk
    frame, resolved = _measure(parquet, _settings(fcr="zendesk_one_touch", reopen="after_solved"))
    solved = rows[rows["solved"]]
    one_touch = solved.assign(hit=solved["replies"] < 2).groupby("Group")["hit"]  # Zendesk: Agent replies < 2
    _check(frame, "fcr_rate", one_touch.mean().to_dict(), one_touch.size().to_dict())
    ever = rows[rows["solved"] | (rows["reopens"] >= 1)]
    after = ever.assign(hit=ever["reopens"] >= 1).groupby("Group")["hit"]
    _check(frame, "reopen_rate", after.mean().to_dict(), after.size().to_dict())
    assert resolved.ids["fcr_rate"] == "fcr_rate.zendesk_one_touch"
    assert resolved.ids["reopen_rate"] == "reopen_rate.after_solved"
    assert "fewer than two agent replies" in resolved.words["fcr_rate"]
    # The variants really differ from ours on this file (else the test proves nothing).
    ours, _ = _measure(parquet, _settings())
    assert not np.allclose(ours["fcr_rate"], frame["fcr_rate"])
    assert not np.allclose(ours["reopen_rate"], frame["reopen_rate"])


def test_zendesk_without_a_bot_marker_excludes_bot_handled_tickets_and_says_so(zendesk):
    parquet, rows = zendesk
    frame, resolved = _measure(parquet, _settings(first_reply="exclude_automated"))
    answered = rows.dropna(subset=["frt"]).groupby("Group")["frt"]  # no ticket is handled by a bot here
    _check(frame, "frt_p50", answered.median().to_dict(), answered.size().to_dict())
    assert "handled by the bot" in resolved.words["frt_p50"] and resolved.words["frt_p50"].startswith("Median")
    assert resolved.ids["frt_p90"] == "frt_p90.exclude_automated"


def test_intercom_first_contact_reads_intercoms_own_flag(intercom):
    parquet, rows = intercom
    frame, resolved = _measure(parquet, _settings(fcr="intercom_first_contact"))
    closed = rows[rows["closed"] & (rows["Resolved on first contact"] != "")]
    rate = closed.assign(hit=closed["Resolved on first contact"] == "true").groupby("group")["hit"]
    _check(frame, "fcr_rate", rate.mean().to_dict(), rate.size().to_dict())
    assert "'Resolved on first contact' column" in resolved.words["fcr_rate"]


def test_intercom_first_reply_without_the_chatbot(intercom):
    parquet, rows = intercom
    frame, resolved = _measure(parquet, _settings(first_reply="exclude_automated"))
    human = rows[rows["Chatbot replied"] != "true"].groupby("group")["frt"]
    _check(frame, "frt_p50", human.median().to_dict(), human.size().to_dict())
    _check(frame, "frt_p90", human.quantile(0.9).to_dict(), human.size().to_dict())
    assert "'Chatbot replied' column" in resolved.words["frt_p90"]
    everyone = rows.groupby("group")["frt"]
    ours, _ = _measure(parquet, _settings())
    _check(ours, "frt_p50", everyone.median().to_dict(), everyone.size().to_dict())
    assert (frame["frt_p50"] > ours["frt_p50"]).all()  # the bot's seconds-fast replies pulled ours down


def test_intercom_first_contact_derived_when_the_flag_is_missing():
    """Without Intercom's flag: closed, never reopened, never reassigned (escalated) — over closed tickets."""
    import ibis

    rows = pd.DataFrame({"ticket_id": [str(i) for i in range(8)],
                         "created_at": pd.to_datetime(["2026-01-05"] * 8, utc=True), "group": ["a"] * 8,
                         "status": ["closed", "Closed", "closed", "open", "resolved", "closed", "snoozed", "closed"],
                         "reopens": [0, 1, 0, 0, 0, None, 0, 0],
                         "escalated": [False, False, True, False, None, False, False, False]})
    table = ibis.memtable(rows)
    resolved = resolve(_settings(fcr="intercom_first_contact"), table.columns)
    got = compute(table, by=["group"], metrics=["fcr_rate"], definitions=resolved.overrides, min_sample=1)
    closed = rows[rows["status"].str.lower().isin(["closed", "resolved"]) & rows["reopens"].notna()]
    hit = (closed["reopens"] == 0) & ~closed["escalated"].fillna(False).astype(bool)
    assert got["fcr_rate"].iloc[0] == pytest.approx(hit.mean())
    assert got[got.attrs["samples"]["fcr_rate"]].iloc[0] == len(closed) == 5


def test_few_tickets_blank_masks_the_small_group(zendesk):
    parquet, _ = zendesk
    shown, _ = _measure(parquet, _settings())
    blank, _ = _measure(parquet, MetricSettings(dict(DEFAULTS), few_tickets="blank"))
    assert shown.loc["Tiny", "fcr_rate_too_few"] and shown.loc["Tiny", "fcr_rate"] == shown.loc["Tiny", "fcr_rate"]
    assert np.isnan(blank.loc["Tiny", "fcr_rate"]) and blank.loc["Tiny", "fcr_rate_too_few"]
    assert blank.loc["Billing", "fcr_rate"] == shown.loc["Billing", "fcr_rate"]


def test_settings_are_stored_versioned_and_stale_safe(tmp_path):
    with Store.for_folder(tmp_path) as store:
        assert load_settings(store, "demo") == (MetricSettings(), 0)
        first = save_settings(store, "demo", _settings(fcr="zendesk_one_touch"), "ana", 0)
        loaded, version = load_settings(store, "demo")
        assert version == first == 1 and loaded.chosen("fcr").name == "zendesk_one_touch"
        with pytest.raises(StaleWrite):
            save_settings(store, "demo", MetricSettings(dict(DEFAULTS), few_tickets="blank"), "bo", 0)
        assert load_settings(store, "other")[1] == 0  # per workspace


def test_unknown_names_are_refused_with_the_choices():
    assert family_of("fcr_rate") == "fcr" and family_of("FRT") == "first_reply" and family_of("reopen_rate") == "reopen"
    with pytest.raises(JourneysError, match="pick one of"):
        family_of("csat")
    with pytest.raises(JourneysError, match="zendesk_one_touch"):
        _settings(fcr="zendesk")
    with pytest.raises(JourneysError, match="show"):
        MetricSettings(dict(DEFAULTS), few_tickets="hide")
