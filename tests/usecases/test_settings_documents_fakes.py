"""Workspace settings kept as versioned documents (metric definitions, the business-hours schedule, map
reviews) on the in-memory fake workspace: the same compare-and-set rules as on a real store, without one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from journeys import business_hours, definitions
from journeys.business_hours import Schedule
from journeys.definitions import FAMILIES, MetricSettings
from journeys.errors import StaleWrite
from journeys.fakes import open_fake_workspace
from journeys.workspace import Workspace


@pytest.fixture
def ws() -> Iterator[Workspace]:
    with open_fake_workspace() as opened:
        yield opened


def test_metric_definitions_start_at_the_defaults_and_refuse_a_stale_save(ws: Workspace) -> None:
    settings, version = definitions.load_settings(ws.store, ws.name)
    assert settings == MetricSettings() and version == 0
    family, variants = next((f, v) for f, v in FAMILIES.items() if len(v) > 1)
    chosen = MetricSettings(variants={**settings.variants, family: variants[1].name}, few_tickets="blank")
    saved = definitions.save_settings(ws.store, ws.name, chosen, "Sam", version)
    assert definitions.load_settings(ws.store, ws.name) == (chosen, saved) and saved > version
    with pytest.raises(StaleWrite):  # a colleague saved since this page was read
        definitions.save_settings(ws.store, ws.name, MetricSettings(), "Kim", version)
    assert definitions.load_settings(ws.store, ws.name)[0] == chosen


def test_the_schedule_round_trips_and_a_stale_save_is_refused(ws: Workspace) -> None:
    assert business_hours.load_schedule(ws.store, ws.name) == (None, 0)
    week = Schedule(timezone="Europe/Paris", hours=(("mon", "09:00", "17:00"), ("tue", "09:00", "12:00")),
                    country="FR")
    version = business_hours.save_schedule(ws.store, ws.name, week, "Sam", 0)
    assert business_hours.load_schedule(ws.store, ws.name) == (week, version)
    with pytest.raises(StaleWrite):
        business_hours.save_schedule(ws.store, ws.name, Schedule(), "Kim", 0)
    assert business_hours.load_schedule(ws.store, ws.name)[0] == week
