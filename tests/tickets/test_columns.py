"""Layout recognition and the proposed column mapping, from headers (and a few first rows)."""

from __future__ import annotations

import json
import random

import pyarrow as pa
import pytest

from journeys.tickets.canonical import NAMES
from journeys.tickets.column_mapping import (
    ColumnMapping,
    FieldMap,
    detect_layout,
    header_zone,
    norm,
    propose_mapping,
    valid_zone,
)
from tests.tickets.exports import FRESHDESK_COLUMNS, ZENDESK_COLUMNS, ZENDESK_CUSTOM, intercom_columns


def src(m: ColumnMapping, name: str) -> tuple[str | None, str]:
    f = m.field(name)
    return f.source, f.transform


def test_zendesk_full_header():
    m = propose_mapping([*ZENDESK_COLUMNS, *ZENDESK_CUSTOM])
    assert m.layout == "zendesk" and set(m.fields) == set(NAMES)
    assert src(m, "ticket_id") == ("Id", "auto")
    assert src(m, "created_at") == ("Created at", "auto")
    assert src(m, "tags") == ("Tags", "split_tags_space")
    assert src(m, "csat") == ("Satisfaction Score", "csat")
    assert src(m, "first_response_minutes") == ("First reply time in minutes", "minutes")
    res = m.field("resolution_minutes")
    assert (res.source, res.transform) == ("Full resolution time in minutes", "minutes")
    assert res.fallback == FieldMap("Solved at", "diff_minutes:Created at")
    assert src(m, "escalated") == ("Group stations", "gt_one")
    assert src(m, "agent_replies") == ("Replies", "int") and src(m, "customer_id")[0] == "Requester id"
    assert m.field("handled_by").source is None and not m.notes
    assert "Resolution time" in m.unused([*ZENDESK_COLUMNS])


def test_zendesk_subset_reordered_business_hours_only_and_hours():
    cols = ["Satisfaction Score", "Subject", "Resolution time", "Id", "Created at",
            "First reply time in minutes within business hours", "Contact reason [list]", "Order [int]"]
    random.Random(4).shuffle(cols)
    m = propose_mapping(cols)
    assert m.layout == "zendesk"
    assert src(m, "first_response_minutes") == ("First reply time in minutes within business hours", "minutes")
    assert src(m, "resolution_minutes") == ("Resolution time", "hours_to_minutes")
    assert src(m, "category") == ("Contact reason [list]", "auto")
    assert any("business" in n for n in m.notes) and any("hours" in n for n in m.notes)
    assert m.unused(cols) == ["Order [int]"]


def test_custom_fields_alone_mark_zendesk():
    layout, scores = detect_layout(["Id", "Created at", "Subject", "Product [list]", "Plan [txt]", "Via"])
    assert layout == "zendesk" and scores["zendesk"] > scores["freshdesk"]


def test_intercom_header_with_time_zone():
    cols = list(intercom_columns("Europe/Berlin"))
    m = propose_mapping(cols)
    assert m.layout == "intercom"
    assert src(m, "created_at") == ("Conversation started at (Europe/Berlin)", "timestamp_tz:Europe/Berlin")
    assert src(m, "first_response_minutes") == ("First response time (seconds)", "seconds_to_minutes")
    assert src(m, "resolution_minutes")[1] == "seconds_to_minutes"
    assert src(m, "handled_by") == ("Fin AI Agent deflected", "bot_if_true")
    esc = m.field("escalated")
    assert (esc.source, esc.transform) == ("Fin AI Agent involved", "bot_handoff:Fin AI Agent deflected")
    assert esc.fallback == FieldMap("Number of reassignments", "gt_zero")
    assert src(m, "tags") == ("Conversation tag", "split_tags_comma") and src(m, "category")[0] == "Topics"


def test_intercom_without_fin_uses_chatbot_column():
    cols = ["Conversation ID", "Conversation started at (UTC)", "Chatbot replied", "Last teammate rating"]
    m = propose_mapping(cols)
    assert m.layout == "intercom"
    assert src(m, "handled_by") == ("Chatbot replied", "bot_if_true")
    assert src(m, "created_at") == ("Conversation started at (UTC)", "timestamp_tz:UTC")


def test_freshdesk_csv_and_numeric_api_enums():
    m = propose_mapping(list(FRESHDESK_COLUMNS))
    assert m.layout == "freshdesk"
    fr = m.field("first_response_minutes")
    assert (fr.source, fr.transform) == ("First response time (in hrs)", "hhmmss_zero_unknown")  # 0:00:00 = none
    assert fr.fallback == FieldMap("Initial response time", "diff_minutes:Created time")
    assert src(m, "status") == ("Status", "auto")
    api = ["id", "created_at", "status", "priority", "source", "stats.first_responded_at", "stats.resolved_at",
           "responder_id", "requester_id", "tags"]
    sample = pa.table({c: ["4", "2"] if c in {"status", "priority", "source"} else ["1", "2"] for c in api})
    m = propose_mapping(api, sample)
    assert m.layout == "freshdesk"
    assert src(m, "status")[1].startswith("enum:2=Open") and "7=Chat" in src(m, "channel")[1]
    assert src(m, "first_response_minutes") == ("stats.first_responded_at", "diff_minutes:created_at")


def test_zendesk_and_intercom_api_names():
    z = propose_mapping(["id", "created_at", "via.channel", "satisfaction_rating.score", "tags", "requester_id",
                         "metric_set.reply_time_in_minutes.calendar", "metric_set.group_stations"])
    assert z.layout == "zendesk"
    assert src(z, "first_response_minutes") == ("metric_set.reply_time_in_minutes.calendar", "minutes")
    assert src(z, "escalated") == ("metric_set.group_stations", "gt_one") and src(z, "channel")[0] == "via.channel"
    i = propose_mapping(["id", "created_at", "state", "statistics.time_to_admin_reply", "tags.tags[].name",
                         "conversation_rating.rating", "statistics.count_assignments"])
    assert i.layout == "intercom"
    assert src(i, "tags") == ("tags.tags[].name", "auto") and src(i, "escalated") == (
        "statistics.count_assignments", "gt_one")


@pytest.mark.parametrize("cols,layout", [
    (["Ticket ID", "Subject", "Status", "Created"], "generic"),
    (["Number", "Opened", "Short description", "Priority", "Assignment group", "State"], "servicenow"),
    (["Issue key", "Summary", "Created", "Resolved", "Labels", "Issue Type"], "jira"),
])
def test_generic_synonyms(cols, layout):
    m = propose_mapping(cols)
    assert m.layout == layout  # ServiceNow and Jira have layouts of their own since issue 14
    assert m.field("ticket_id").source == cols[0]
    assert m.field("created_at").source is not None
    assert m.field("subject").source is not None


def test_generic_units_from_header_and_sample():
    cols = ["id", "created", "First response time (hrs)", "Time to resolve (seconds)", "Labels", "CSAT", "escalated"]
    sample = pa.table({"id": ["1", "2"], "created": ["2024-01-01", "2024-01-02"],
                       "First response time (hrs)": ["01:30:00", "00:10:00"],
                       "Time to resolve (seconds)": ["60", "120"], "Labels": ["a, b", "c"], "CSAT": ["9", "10"],
                       "escalated": ["yes", "no"]})
    m = propose_mapping(cols, sample)
    assert src(m, "first_response_minutes") == ("First response time (hrs)", "hhmmss_to_minutes")
    assert src(m, "resolution_minutes") == ("Time to resolve (seconds)", "seconds_to_minutes")
    assert src(m, "tags") == ("Labels", "split_tags_comma")
    assert src(m, "csat") == ("CSAT", "csat_10") and src(m, "escalated") == ("escalated", "bool")
    m = propose_mapping(["id", "created_at", "resolved_at", "response time"])
    assert src(m, "resolution_minutes") == ("resolved_at", "diff_minutes:created_at")
    assert src(m, "first_response_minutes") == ("response time", "minutes")
    assert any("no unit" in n for n in m.notes)


def test_update_rows_detected_from_sample():
    cols = ["Ticket", "Created", "Status", "Last updated"]
    sample = pa.table({"Ticket": ["1", "1", "2"], "Created": ["x", "", "y"], "Status": ["a", "b", "c"],
                       "Last updated": ["1", "2", "3"]})
    m = propose_mapping(cols, sample)
    assert m.ticket_key == "Ticket" and m.updated_at == "Last updated"
    no_updated = pa.table({"Ticket": ["1", "1"], "Created": ["x", "y"]})
    assert propose_mapping(["Ticket", "Created"], no_updated).ticket_key is None  # duplicates, not updates


def test_round_trip_json():
    m = propose_mapping(list(intercom_columns()))
    m = ColumnMapping(**{**m.__dict__, "date_order": "dayfirst", "ticket_key": "Conversation ID"})
    data = json.loads(json.dumps(m.to_json()))
    back = ColumnMapping.from_json(data)
    assert back == m
    assert ColumnMapping.from_json({"fields": {"ticket_id": "id"}}).field("ticket_id") == FieldMap("id")


def test_validate_explains_each_problem():
    cols = ["id", "created", "mins"]
    m = propose_mapping(cols)
    assert m.validate(cols) == []
    bad = m.with_field("resolution_minutes", FieldMap("mins", "bogus")).with_field(
        "csat", FieldMap("nope")).with_field("created_at", FieldMap("created", "timestamp_tz:Mars/Base"))
    bad = bad.with_field("first_response_minutes", FieldMap("mins", "diff_minutes"))
    reasons = {p.where: p.reason for p in bad.validate(cols)}
    assert "unknown transform" in reasons["mapping.resolution_minutes"]
    assert "no column 'nope'" in reasons["mapping.csat"]
    assert "unknown time zone" in reasons["mapping.created_at"]
    assert "needs an argument" in reasons["mapping.first_response_minutes"]
    missing = ColumnMapping("generic", {n: FieldMap(None) for n in NAMES}).validate(cols)
    assert {p.where for p in missing} == {"mapping.ticket_id", "mapping.created_at"}


def test_headers_zones_and_sources():
    assert norm("Conversation started at (America/New_York)") == "conversation started at"
    assert norm("First response time (seconds)") == "first response time (seconds)"
    assert norm("metric_set.reopens") == "reopens"
    assert header_zone("Started at (UTC+02:00)") == "UTC+02:00" and header_zone("Time (seconds)") is None
    assert valid_zone("Asia/Kolkata") and valid_zone("+05:30") and not valid_zone("Moon/Base")
    fm = FieldMap("Fin involved", "bot_handoff:Fin deflected", FieldMap("reassigned", "gt_zero"))
    assert fm.sources() == ["Fin involved", "Fin deflected", "reassigned"]
    assert "else" in fm.describe()
