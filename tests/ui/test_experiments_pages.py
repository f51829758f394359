"""The Experiments and Review pages over the demo workspace, through AppTest.

List with verdicts; a draft created from a pain point (its steps and metric), planned and started; the Review
of EX-1 showing the numbers ``analyse()`` and the CLI give; a decision that resolves the pain point; a
close-the-loop entry that takes the experiment off the home page's "loop still open"; a stale decision refused
and applied on top. Same demo size as ``tests/ui/test_priorities_page.py`` (see its note on ``TicketEngine``).
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from journeys.cli import cli
from journeys.cli.experiments import experiments as experiments_group
from journeys.demo import DEMO_JOURNEY
from journeys.experiments import Audience, Experiments, LoopEntry, Status, analyse
from journeys.experiments.report import change_text, interval_text, relative_text
from journeys.painpoints import PainPoints
from journeys.painpoints import Status as PainStatus
from journeys.store.tickets import TicketStore
from journeys.tickets.datasets import Datasets
from journeys.tickets.engine import TicketEngine
from tests.pagetest import section, store_at
from ui.experiment_form import new_prefix

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")  # ibis on DuckDB 1.4
APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")

if "experiments" not in cli.commands:  # until journeys/cli.py imports the group itself
    cli.add_command(experiments_group)


def _table(home: Path, engine: TicketEngine):
    store = store_at(home)
    dataset = Datasets(store, home).list("demo")[0]
    return engine.mapped(dataset, TicketStore(store).load_rules("demo", DEMO_JOURNEY),
                         store.load("demo", DEMO_JOURNEY).journey).table


def _page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["author"] = "Tester"
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")  # straight to the page, as a deep link (see tests/pagetest.py open_page)
    return _run(at)


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def _text(markdown: str) -> str:
    """What the reader sees of escaped Markdown (the pages escape text typed by people)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


def _cli(home: Path, *args: str) -> str:
    env = {k: None for k in os.environ if k.startswith("JOURNEYS_")}
    result = CliRunner(env=env).invoke(cli, ["--home", str(home), *args], prog_name="journeys")
    assert result.exit_code == 0, result.output
    return result.stdout


def _loop_open_keys() -> list[str]:
    """What ``loop_open_summary()`` lists (the home page's "loop still open"), rendered on its own."""
    def script() -> None:
        from ui.experiments_view import loop_open_summary

        loop_open_summary()

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    tables = [d.value for d in at.dataframe if "Close the loop" in d.value.columns or "Review" in d.value.columns]
    return list(tables[0]["Key"]) if tables else []


def test_list_shows_verdicts_and_filters(home):
    at = _page("experiments")
    table = at.dataframe[0].value
    verdicts = dict(zip(table["Key"], table["Verdict"], strict=True))
    assert verdicts == {"EX-1": "improved", "EX-2": "inconclusive"}
    assert list(table["Review"]) == ["review?experiment=EX-1", "review?experiment=EX-2"]
    at.multiselect(key="ex_f_verdict").set_value(["improved"])
    _run(at)
    assert list(at.dataframe[0].value["Key"]) == ["EX-1"]


def test_create_from_pain_point_plan_and_start(home):
    at = _page("experiments", painpoint="PP-2")  # the deep link a "test a fix" button would use
    assert at.selectbox(key="ex_new_pain").value == "PP-2"
    prefix = new_prefix("PP-2", DEMO_JOURNEY, generation=0)
    assert at.multiselect(key=prefix + "steps").value == ["reset-password"]
    assert at.selectbox(key=prefix + "metric").value == "reopen_rate"
    at.radio(key=prefix + "design").set_value("before_after")
    at.date_input(key=prefix + "shipped").set_value(date(2026, 8, 3))
    at.number_input(key=prefix + "effect").set_value(5.0)
    _run(at)
    assert _metric(at, "Detectable change").endswith("points")  # the plan, live, before saving
    at.button(key=prefix + "save").click()
    _run(at)
    store = store_at(home)
    created = [e for e in Experiments(store).list("demo") if e.key not in ("EX-1", "EX-2")]
    assert len(created) == 1
    draft = created[0]
    assert (draft.experiment.status, draft.experiment.steps, draft.experiment.metric, draft.experiment.pain_points,
            draft.experiment.smallest_effect, draft.updated_by) == (
        Status.draft, ["reset-password"], "reopen_rate", ["PP-2"], 0.05, "Tester")
    # The draft is open below the list: its plan shows the detectable effect, and it can start.
    assert any(s.value.startswith(f"{draft.key} · ") for s in at.subheader)
    mde = _metric(at, "Detectable change")
    assert mde != "—" and mde.endswith("points")
    assert any("can detect a change of" in m.value for m in at.markdown)
    at.button(key=f"ex_start_{draft.key}_v1").click()
    _run(at)
    started = Experiments(store).load("demo", draft.key)
    assert started.experiment.status == Status.running
    assert PainPoints(store).load("demo", "PP-2").pain.status == PainStatus.in_experiment


def test_review_ex1_shows_what_analyse_and_the_cli_say(home, engine):
    at = _page("review", experiment="EX-1")
    store = store_at(home)
    stored = Experiments(store).load("demo", "EX-1")
    fresh = analyse(_table(home, engine), stored.experiment)
    assert (fresh.effect, fresh.ci_low, fresh.ci_high) == pytest.approx(
        (stored.experiment.result.effect, stored.experiment.result.ci_low, stored.experiment.result.ci_high), abs=1e-12)
    assert change_text("reopen_rate", fresh.effect) == "−11.6 points"
    assert _metric(at, "Effect (points)") == "−11.6"  # the unit in the label: the value stays whole at 1280 px
    assert _metric(at, "95% interval") == interval_text(fresh).removesuffix(" points")
    assert _metric(at, "Relative change") == relative_text(fresh)
    assert any("Improved: the reopen rate fell by 11.6 points" in _text(s.body) for s in at.success)
    listed = {r["key"]: r for r in json.loads(_cli(home, "experiments", "list", "--format", "json"))}
    assert (listed["EX-1"]["verdict"], listed["EX-2"]["verdict"]) == ("improved", "inconclusive")
    assert (listed["EX-1"]["effect"], listed["EX-1"]["ci_low"], listed["EX-1"]["ci_high"]) == pytest.approx(
        (fresh.effect, fresh.ci_low, fresh.ci_high), abs=1e-6)
    # Analysing again on the page records exactly what analyse() and `journeys experiments show` give.
    at.button(key="rv_analyse_EX-1_v3").click()
    _run(at)
    again = Experiments(store).load("demo", "EX-1")
    assert again.version == 4 and again.experiment.status == Status.analysed
    assert again.experiment.result.dataset == "Zendesk tickets (demo)"
    assert (again.experiment.result.effect, again.experiment.result.ci_low) == (fresh.effect, fresh.ci_low)
    shown = json.loads(_cli(home, "experiments", "show", "EX-1", "--format", "json"))
    assert (shown["result"]["effect"], shown["result"]["ci_high"]) == (fresh.effect, fresh.ci_high)
    assert _metric(at, "Effect (points)") == "−11.6"


def test_decide_adopt_resolves_pain_point_then_logging_closes_the_loop(home):
    store = store_at(home)
    assert PainPoints(store).load("demo", "PP-4").pain.status == PainStatus.in_experiment
    at = _page("review", experiment="EX-2")
    k = "rv_EX-2_v3_"
    at.radio(key=k + "outcome").set_value("adopt")
    at.text_area(key=k + "why").set_value("Forum posters get answers; keep the daily slot.")
    at.button(key=f"FormSubmitter:{k}decision-Record the decision").click()
    _run(at)
    decided = Experiments(store).load("demo", "EX-2")
    assert decided.experiment.status == Status.decided
    assert (decided.experiment.decision.outcome.value, decided.experiment.decision.by) == ("adopt", "Tester")
    assert PainPoints(store).load("demo", "PP-4").pain.status == PainStatus.resolved
    assert any("Loop still open" in _text(w.body) for w in at.warning)
    assert _loop_open_keys() == ["EX-2"]
    # Tell the forum posters, on the page: the home page stops listing it.
    v = decided.version
    log = f"rv_EX-2_v{v}_log_"
    at.selectbox(key=log + "audience").set_value(Audience.customers.value)
    at.text_input(key=log + "channel").set_value("forum post")
    at.text_area(key=log + "message").set_value("You said the forum went unanswered; we now answer every day.")
    at.text_input(key=log + "link").set_value("https://community.example.com/t/123")
    at.button(key=f"FormSubmitter:{log}form-Log it").click()
    _run(at)
    told = Experiments(store).load("demo", "EX-2").experiment.loop
    assert [(t.audience, t.channel, t.by) for t in told] == [(Audience.customers, "forum post", "Tester")]
    assert not any("Loop still open" in _text(w.body) for w in at.warning)
    assert _loop_open_keys() == []


def test_home_page_lists_loop_still_open(home):
    store = store_at(home)
    experiments = Experiments(store)
    from journeys.experiments import decision

    stored = experiments.load("demo", "EX-1")
    experiments.transition("demo", "EX-1", Status.decided, "Sam", expected_version=stored.version,
                           decision=decision("adopt", "Sam", "Reopens halved"))
    at = AppTest.from_file(APP, default_timeout=60)
    _run(at)
    assert any(t.startswith("- [EX-1](review?experiment=EX-1)") for t in section(at, "Loops still open"))
    experiments.log("demo", "EX-1", LoopEntry(audience=Audience.agents, channel="stand-up", message="It worked",
                                              on=date.today()), "Sam", expected_version=stored.version + 1)
    _run(at)
    assert not any("EX-1" in t for t in section(at, "Loops still open"))


def test_stale_decision_is_refused_then_applied_on_top(home):
    store = store_at(home)
    at = _page("review", experiment="EX-2")
    # A colleague logs a note while this page shows version 3.
    Experiments(store).log("demo", "EX-2", LoopEntry(audience=Audience.agents, channel="stand-up",
                                                     message="Daily forum slot starts Monday", on=date(2026, 9, 4)),
                           "Colleague", expected_version=3)
    k = "rv_EX-2_v3_"
    at.radio(key=k + "outcome").set_value("roll back")
    at.text_area(key=k + "why").set_value("No measurable change; the slot costs an agent hour a day.")
    at.button(key=f"FormSubmitter:{k}decision-Record the decision").click()
    _run(at)
    refused = Experiments(store).load("demo", "EX-2")
    assert refused.version == 4 and refused.experiment.status == Status.analysed
    warning = next(_text(w.body) for w in at.warning if "Not saved" in w.body)
    assert "Colleague saved version 4 of EX-2" in warning and "record the decision: roll back" in warning
    at.button(key="ex_apply_on_top").click()
    _run(at)
    applied = Experiments(store).load("demo", "EX-2")
    assert applied.experiment.status == Status.decided and applied.experiment.decision.outcome.value == "roll back"
    assert [t.channel for t in applied.experiment.loop] == ["stand-up"]  # the colleague's note survived
    assert PainPoints(store).load("demo", "PP-4").pain.status == PainStatus.investigating


def test_empty_workspace_offers_the_form_and_review_points_to_it(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEYS_HOME", str(tmp_path))  # journeys only: no tickets, pain points or experiments
    for var in ("JOURNEYS_DATABASE_URL", "JOURNEYS_WORKSPACE"):
        monkeypatch.delenv(var, raising=False)
    at = _page("experiments")
    assert any("No experiments yet" in i.body for i in at.info)
    assert at.selectbox(key="ex_new_pain").value == ""  # no pain point: pick the journey
    assert any("No ticket data yet" in c.value or "Fill in the form" in c.value for c in at.caption)
    at = _page("review")
    assert any("No experiments to review yet" in i.body for i in at.info)


def test_typed_text_is_shown_as_text(home):
    store = store_at(home)
    stored = Experiments(store).load("demo", "EX-2")
    hostile = "<script>alert(1)</script> **loud** [link](https://evil.example)"
    Experiments(store).save("demo", "EX-2", stored.experiment.model_copy(update={"title": hostile,
                                                                              "hypothesis": hostile}),
                            "Sam", expected_version=stored.version)
    at = _page("review", experiment="EX-2")
    heading = next(s.value for s in at.subheader if s.value.startswith("EX-2"))
    assert "\\<script\\>" in heading and "\\*\\*loud\\*\\*" in heading and "\\[link\\]" in heading
    assert _text(heading) == f"EX-2 · {hostile}"  # what the reader sees: the text as typed
    assert any("\\<script\\>" in m.value for m in at.markdown if m.value.startswith("**Hypothesis:**"))


def test_running_experiment_shows_an_interim_look_and_cannot_be_decided(home, engine):
    from journeys.experiments import Experiment
    from journeys.experiments.closing import analyse_and_record

    store = store_at(home)
    experiments = Experiments(store)
    key = experiments.create("demo", Experiment(title="Shorter reset links", journey=DEMO_JOURNEY,
                                                steps=["reset-password"], comparison_steps=["login"],
                                                metric="reopen_rate", shipped=date(2026, 9, 7),
                                                post_end=date(2026, 12, 28)), "Sam")
    version = experiments.transition("demo", key, Status.running, "Sam", expected_version=1).version
    analyse_and_record(experiments, "demo", key, _table(home, engine), "Sam", expected_version=version)
    at = _page("review", experiment=key)
    page = " ".join([*(_text(m.value) for m in at.markdown), *(_text(w.body) for w in [*at.warning, *at.success])])
    assert "Interim look — do not decide yet" in page
    assert "Interim look — " in page and "anytime-valid" in page
    assert any("interim look" in _text(c.value) for c in at.caption)  # the analyse button says what it will do
    assert any("an interim look cannot close an experiment" in c.value for c in at.caption)  # no decision form
    assert not [b for b in at.button if "Record the decision" in str(b.label)]


def test_a_blank_log_form_is_refused_in_words(home):
    """Pydantic's "String should have at least 1 character" reaches people as the field's name and a sentence."""
    at = _page("review", experiment="EX-2")
    log = "rv_EX-2_v3_log_"
    at.text_input(key=log + "channel").set_value("")
    at.text_area(key=log + "message").set_value("")
    at.button(key=f"FormSubmitter:{log}form-Log it").click()
    _run(at)
    shown = " ".join(_text(e.value) for e in at.error)
    assert "Channel: is blank — fill it in" in shown and "Message: is blank — fill it in" in shown
    assert "should have" not in shown and "String" not in shown
    assert Experiments(store_at(home)).load("demo", "EX-2").experiment.loop == []
