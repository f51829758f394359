"""An improvement team closes the loop in a real browser: from a pain point, plan and start an experiment,
analyse it on Review, read the verdict and the chart, record the decision, log who was told, download the report."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from journeys.experiments import Experiments, Status
from journeys.painpoints import PainPoints
from journeys.painpoints import Status as PainStatus
from journeys.store import Store
from tests.browser.conftest import Server, download, shot, wait_idle, watch_errors

pytestmark = pytest.mark.browser



def _experiment(server: Server, key: str):
    with Store.for_folder(server.home) as store:
        return Experiments(store).load("demo", key)


def test_plan_start_analyse_decide_tell_and_download(demo_server, page_factory):
    page = page_factory(1500, 1400)
    errors = watch_errors(page)  # console and page errors, requests off the machine
    page.goto(f"{demo_server.url}/experiments?painpoint=PP-2")  # a deep link on a fresh server
    wait_idle(page)
    box = page.get_by_placeholder("e.g. Sam from Support")
    box.fill("Maya")
    box.press("Enter")
    wait_idle(page)

    # 1. Experiments: the form starts from the pain point; choose a design and a ship date; the plan answers.
    expect(page.get_by_label("Title", exact=True)).to_have_value(re.compile(r"^Fix: Password reset links expire"))
    page.get_by_text("Before/after", exact=True).click()
    expect(page.get_by_text("Before/after reads the changed steps alone", exact=False)).to_be_visible()
    expect(page.get_by_role("spinbutton", name="year, Change ships")).to_have_count(1)
    # The date field is a row of segments (year, month, day); typing the digits fills them in turn.
    page.get_by_role("spinbutton", name="year, Change ships").click()
    page.keyboard.type("20260803")
    page.keyboard.press("Enter")
    wait_idle(page)
    plan = page.get_by_test_id("stMetric").filter(has_text="Detectable change").get_by_test_id("stMetricValue")
    expect(plan).to_have_text(re.compile(r"points$"))
    page.get_by_role("button", name="Save draft").click()
    wait_idle(page)
    heading = page.get_by_role("heading", name=re.compile(r"^EX-3 · Fix: Password reset links expire"))
    expect(heading).to_be_visible()
    draft = _experiment(demo_server, "EX-3")
    assert (draft.experiment.steps, draft.experiment.metric, draft.experiment.pain_points, draft.updated_by) == (
        ["reset-password"], "reopen_rate", ["PP-2"], "Maya")
    assert str(draft.experiment.shipped) == "2026-08-03"
    expect(page.get_by_text("can detect a change of", exact=False).last).to_be_visible()
    shot(page, "experiments-1-draft-planned")

    # 2. Start it: running, and its pain point is now "in experiment".
    page.get_by_role("button", name="Start the experiment").click()
    expect(page.get_by_test_id("stToast").filter(has_text="Started EX-3")).to_be_visible()
    wait_idle(page)
    expect(page.get_by_role("link", name=re.compile(r"^Review EX-3"))).to_be_visible()
    assert _experiment(demo_server, "EX-3").experiment.status == Status.running
    with Store.for_folder(demo_server.home) as store:
        assert PainPoints(store).load("demo", "PP-2").pain.status == PainStatus.in_experiment

    # 3. Review: analyse (the tickets cover its 8-week window, so the result is final), read verdict and chart.
    page.get_by_role("link", name=re.compile(r"^Review EX-3")).click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/review\?experiment=EX-3$"))
    page.get_by_role("button", name="Analyse now").click()
    expect(page.get_by_test_id("stToast").filter(has_text="EX-3: analysis recorded")).to_be_visible()
    wait_idle(page)
    analysed = _experiment(demo_server, "EX-3")
    assert analysed.experiment.status == Status.analysed and not analysed.experiment.result.interim
    verdict = analysed.experiment.result.verdict.value
    headline = page.get_by_test_id("stAlertContainer").filter(has_text=f"{verdict.capitalize()}: ")
    expect(headline.first).to_be_visible()
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart.locator('path[aria-roledescription="circle"]').first).to_be_attached()
    expect(page.get_by_text("change shipped 3 Aug 2026").first).to_be_attached()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "experiments-2-review-analysed")

    # 4. The decision: adopt, with the reason; the pain point is resolved and the loop is open.
    decision = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Record the decision"))
    decision.get_by_label("Why").fill("Fewer reopens after the link change; keep it.")
    decision.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("stToast").filter(has_text="Decided EX-3: adopt")).to_be_visible()
    wait_idle(page)
    expect(page.get_by_text("Loop still open", exact=False).first).to_be_visible()
    decided = _experiment(demo_server, "EX-3")
    assert decided.experiment.status == Status.decided and decided.experiment.decision.by == "Maya"
    with Store.for_folder(demo_server.home) as store:
        assert PainPoints(store).load("demo", "PP-2").pain.status == PainStatus.resolved

    # 5. Close the loop: tell the customers, logged with the evidence.
    log = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Log it"))
    log.get_by_label("Channel").fill("email")
    log.get_by_label("Message").fill("You said reset links expired too fast; they now last 24 hours.")
    log.get_by_label("Link to the evidence").fill("https://mail.example.com/campaign/42")
    log.get_by_role("button", name="Log it").click()
    expect(page.get_by_test_id("stToast").filter(has_text="Logged on EX-3")).to_be_visible()
    wait_idle(page)
    expect(page.get_by_text("Loop still open", exact=False)).to_have_count(0)
    told = _experiment(demo_server, "EX-3").experiment.loop
    assert [(t.audience.value, t.channel, t.by) for t in told] == [("customers", "email", "Maya")]
    shot(page, "experiments-3-decided-and-told")

    # 6. The report: one self-contained HTML file with the charts as SVG.
    exported = download(page, page.get_by_role("button", name="Experiment report (HTML)"))
    assert exported.suggested_filename == "EX-3-demo-report.html"
    report = exported.path().read_text(encoding="utf-8")
    assert report.startswith("<!DOCTYPE html>") and "<svg" in report and "<script" not in report
    assert "We kept the change" in report and "You said reset links expired too fast" in report
    assert errors == [], errors
