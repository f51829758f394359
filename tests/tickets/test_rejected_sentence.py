"""Ticket exports and event logs word their rejected rows alike: one sentence, commonest reason first."""

from __future__ import annotations

from journeys.discover.import_report import LogReport
from journeys.tickets.export_files import rejected_sentence


def test_commonest_reason_first_with_its_examples():
    said = rejected_sentence({"duplicate id": 1, "no timestamp": 2_500},
                             {"no timestamp": ["row 4", "row 9"]}, 2_501)
    assert said == "Rejected 2,501 rows — no timestamp: 2,500 (e.g. row 4; row 9); duplicate id: 1."


def test_an_event_log_report_says_it_in_those_words():
    report = LogReport(source="log.csv", rows_read=10, rows_kept=7, rows_rejected=3,
                       rejected={"no timestamp": 3}, examples={"no timestamp": ["row 2"]})
    assert rejected_sentence(report.rejected, report.examples, 3) in report.summary()
