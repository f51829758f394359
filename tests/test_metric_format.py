"""The one metric formatter: every unit, the unknown value, the sample size, and its doctest."""

import doctest
import math

import journeys.metric_format as metric_format
from journeys.metric_format import FRICTION, d3_format, format_minutes, format_value
from journeys.metrics import METRICS


def test_the_module_examples_hold() -> None:
    result = doctest.testmod(metric_format)
    assert result.attempted > 0 and result.failed == 0


def test_each_unit_reads_as_a_person_would_say_it() -> None:
    assert format_value("reopen_rate", 0.125) == "12%"
    assert format_value("frt_p50", 119.4) == "119 min"
    assert format_value("frt_p50", 120) == "2.0 hours"
    assert format_value("resolution_p90", 1439) == "24.0 hours"
    assert format_value("resolution_p90", 1440) == "1.0 days"
    assert format_value("volume", 12345) == "12,345 tickets"
    assert format_value("contact_rate", 3.25) == "3.2 per 1,000"
    assert format_minutes(-180) == "-3.0 hours"


def test_unknown_values_are_a_dash_and_the_sample_is_said_when_given() -> None:
    for unknown in (None, math.nan, math.inf, -math.inf):
        assert format_value("csat", unknown) == "–"
    assert format_value("csat", None, n=0) == "–"  # no tickets: nothing to say about a sample
    assert format_value("frt_p50", 42, n=1234) == "42 min (n=1,234)"
    assert format_value(FRICTION, -0.456) == "-0.46"


def test_every_catalogue_metric_has_a_chart_format() -> None:
    for name in METRICS:
        spec, unit = d3_format(name)
        assert spec and isinstance(unit, str)
    assert d3_format("resolution_p50") == (",.0f", "min") and d3_format("volume") == (",d", "tickets")


def test_a_table_column_keeps_minutes_so_its_rows_compare() -> None:
    assert format_value("resolution_p50", 2088, in_minutes=True) == "2,088 min"
    assert format_value("resolution_p50", 2088, n=7, in_minutes=True) == "2,088 min (n=7)"
