"""Settings come from the environment through one module; malformed values fall back to the defaults."""

from __future__ import annotations

import pytest

from journeys.settings import ImportLimits, import_limits, load_settings

DEFAULT = ImportLimits()


@pytest.mark.parametrize("memory, expected", [(None, DEFAULT.memory), ("2GB", "2GB"), ("1.5 GiB", "1.5 GiB"),
                                              ("300mb", "300mb"), ("lots", DEFAULT.memory),
                                              ("1GB'; SET x = 1; --", DEFAULT.memory)])
def test_the_import_memory_budget_is_checked_before_duckdb_sees_it(monkeypatch, memory, expected):
    if memory is None:
        monkeypatch.delenv("JOURNEYS_IMPORT_MEMORY", raising=False)
    else:
        monkeypatch.setenv("JOURNEYS_IMPORT_MEMORY", memory)
    assert import_limits().memory == expected
    assert load_settings(home="/tmp/x").import_limits == import_limits()


@pytest.mark.parametrize("value, expected", [("10", 10), ("0", 0), ("-3", DEFAULT.max_events),
                                             ("many", DEFAULT.max_events), (None, DEFAULT.max_events)])
def test_zero_events_means_no_limit_and_nonsense_means_the_default(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("JOURNEYS_MAX_EVENTS", raising=False)
    else:
        monkeypatch.setenv("JOURNEYS_MAX_EVENTS", value)
    monkeypatch.setenv("JOURNEYS_MAX_LOG_BYTES", "0")  # 0 bytes is no sensible limit: the default
    limits = import_limits()
    assert limits.max_events == expected and limits.max_log_bytes == DEFAULT.max_log_bytes
