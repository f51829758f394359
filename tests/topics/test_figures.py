"""Topic figures against a hand computation with pandas, and the emerging / fading test on planted trends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy.stats import norm

import journeys
from journeys.tickets.synthetic import generate
from journeys.topics.figures import EMERGING, FADING, emerging_fading
from journeys.usecases.topic_figures import topic_examples, topic_table, topic_weekly
from journeys.usecases.topics import assignments, discover_topics
from tests.topics.themes import DETAILS, THEMES, commit

BEFORE = {"password": 0.30, "refund": 0.25, "delivery": 0.25, "crash": 0.10, "address": 0.10}
RECENT = {"password": 0.30, "refund": 0.06, "delivery": 0.25, "crash": 0.29, "address": 0.10}


def trending_tickets(n: int, seed: int) -> tuple[pa.Table, list[str]]:
    """14 weeks of tickets whose themes shift in the last 4 complete weeks: crash rises, refund falls."""
    rng = np.random.default_rng(seed)
    table = generate(n, steps=3, weeks=14, seed=seed)
    created = pd.Series(table.column("created_at").to_pandas())
    last_monday = (created.max() - pd.Timedelta(days=created.max().weekday())).normalize()
    recent = (created >= last_monday - pd.Timedelta(weeks=4)).to_numpy() & (created < last_monday).to_numpy()
    names = list(THEMES)
    truth, subjects = [], []
    for is_recent in recent:
        weights = RECENT if is_recent else BEFORE
        theme = names[int(rng.choice(len(names), p=[weights[t] for t in names]))]
        phrase = THEMES[theme][int(rng.integers(0, len(THEMES[theme])))]
        detail = DETAILS[int(rng.integers(0, len(DETAILS)))].format(n=int(rng.integers(10_000, 99_999)))
        truth.append(theme)
        subjects.append(f"{phrase} {detail}".strip())
    index = table.schema.get_field_index("subject")
    return table.set_column(index, "subject", pa.array(subjects, pa.string())), truth


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    home = tmp_path_factory.mktemp("topic-figures")
    table, truth = trending_tickets(3_000, seed=2)
    commit(home, "tickets", table)
    with journeys.open_workspace(home) as ws:
        stored = discover_topics(ws, "tickets", author="Ana")
        figures = topic_table(ws, "tickets")
        biggest = figures.sort_values("tickets", ascending=False)["topic"].iloc[0]
        weekly = topic_weekly(ws, "tickets", biggest)
        examples = topic_examples(ws, "tickets", biggest, limit=15)
        frame = table.to_pandas().merge(assignments(ws, stored), on="ticket_id", how="left")
    frame["theme"] = truth
    return stored, figures, weekly, examples, frame, biggest


def test_figures_equal_a_hand_computation(found):
    stored, figures, _, _, frame, _ = found
    assert figures["topic"].tolist() == stored.topics.ids()  # the topic set's order
    assert figures.attrs["tickets"] == len(frame)
    assert figures.attrs["unassigned"] == int(frame["topic"].isna().sum())
    two = figures.sort_values("tickets", ascending=False).head(2)
    for row in two.itertuples():
        mine = frame[frame["topic"] == row.topic]
        rated = mine["csat"].dropna()
        resolved = mine["resolution_minutes"].dropna()
        assert row.tickets == len(mine)
        assert row.share == pytest.approx(len(mine) / len(frame))
        assert row.csat == pytest.approx((rated >= 4).mean())
        assert row.n_rated == len(rated)
        assert row.resolution_p50 == pytest.approx(np.quantile(resolved, 0.5))
        assert row.resolution_p90 == pytest.approx(np.quantile(resolved, 0.9))
        assert row.reopen_rate == pytest.approx((mine["reopens"] >= 1).mean())
        assert row.escalation_rate == pytest.approx(mine["escalated"].astype(float).mean())
        assert not row.csat_too_few and row.label == stored.topics.topic(row.topic).label


def test_a_small_topic_keeps_its_value_and_is_flagged_too_few(found):
    _, figures, _, _, frame, _ = found
    for row in figures.itertuples():
        assert row.csat_too_few == (row.n_rated < 30)
    small = figures[figures["csat_too_few"] & (figures["n_rated"] > 0)]
    for row in small.itertuples():  # kept (keep_few), for "few tickets (n=…)"
        rated = frame.loc[frame["topic"] == row.topic, "csat"].dropna()
        assert row.csat == pytest.approx((rated >= 4).mean())


def test_planted_rising_and_falling_themes_are_flagged_and_steady_ones_not(found):
    _, figures, _, _, frame, _ = found
    majority = frame.dropna(subset=["topic"]).groupby("topic")["theme"].agg(lambda s: s.value_counts().index[0])
    trend = figures.set_index("topic")["trend"]
    flagged = {t: majority[t] for t in trend.index if trend[t]}
    assert {majority[t] for t in trend.index if trend[t] == EMERGING} == {"crash"}
    assert {majority[t] for t in trend.index if trend[t] == FADING} == {"refund"}
    assert not {"password", "delivery", "address"} & set(flagged.values())


def test_weekly_trend_of_a_topic(found):
    _, figures, weekly, _, frame, topic = found
    week = frame["created_at"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
    expected = frame.assign(week=week).groupby("week").agg(all=("ticket_id", "size"),
                                                             mine=("topic", lambda s: (s == topic).sum()))
    got = weekly.assign(week=weekly["week"].dt.tz_localize(None)).set_index("week")
    assert got["tickets"].tolist() == expected["mine"].tolist()
    assert got["share"].to_numpy() == pytest.approx((expected["mine"] / expected["all"]).to_numpy())
    assert weekly["tickets"].sum() == figures.set_index("topic").loc[topic, "tickets"]


def test_examples_put_the_representative_ticket_first(found):
    stored, _, _, examples, frame, topic = found
    assert examples["ticket_id"].iloc[0] == stored.topics.topic(topic).example_ticket
    rest = examples.iloc[1:]
    newest = frame[(frame["topic"] == topic) & (frame["ticket_id"] != examples["ticket_id"].iloc[0])]
    newest = newest.sort_values(["created_at", "ticket_id"], ascending=[False, True]).head(len(rest))
    assert rest["ticket_id"].tolist() == newest["ticket_id"].tolist()
    assert len(examples) == 15 and set(examples.columns) >= {"subject", "channel", "csat", "status", "created_at"}


def _weeks(counts: dict[str, list[int]], first: str = "2026-01-05") -> pd.DataFrame:
    periods = pd.date_range(first, periods=len(next(iter(counts.values()))), freq="7D", tz="UTC")
    return pd.DataFrame([{"topic": t, "period": p, "n": n} for t, ns in counts.items()
                         for p, n in zip(periods, ns, strict=True)])


def test_the_stated_test_by_hand():
    # 13 weeks: 8 baseline, 4 recent, then the incomplete week of the latest ticket (not counted)
    counts = {"T1": [100] * 8 + [200] * 4 + [5],  # rising share
              "T2": [100] * 8 + [30] * 4 + [5],   # falling share
              "T3": [300] * 8 + [300] * 4 + [5],  # steady
              "T4": [2] * 8 + [6] * 4 + [1],      # triples, but 24 recent tickets: too few to flag
              "T5": [100] * 8 + [130] * 4 + [5]}  # significant maybe, but +30 % only
    out, windows = emerging_fading(_weeks(counts))
    out = out.set_index("topic")
    assert windows["recent"][0] == pd.Timestamp("2026-03-02", tz="UTC")
    n_base = sum(sum(v[:8]) for v in counts.values())
    n_recent = sum(sum(v[8:12]) for v in counts.values())
    raw = {}
    for topic, ns in counts.items():
        b, r = sum(ns[:8]), sum(ns[8:12])
        pooled = (b + r) / (n_base + n_recent)
        z = (r / n_recent - b / n_base) / np.sqrt(pooled * (1 - pooled) * (1 / n_recent + 1 / n_base))
        raw[topic] = 2 * norm.sf(abs(z))
    order = sorted(raw, key=raw.get)  # Benjamini–Hochberg by hand
    m = len(order)
    adjusted, running = {}, 1.0
    for rank in range(m, 0, -1):
        topic = order[rank - 1]
        running = min(running, raw[topic] * m / rank)
        adjusted[topic] = running
    for topic in counts:
        assert out.loc[topic, "trend_p"] == pytest.approx(adjusted[topic])
    assert out["trend"].to_dict() == {"T1": EMERGING, "T2": FADING, "T3": "", "T4": "", "T5": ""}
    assert (out.loc[["T3", "T4", "T5"], "trend_p"] < 0.05).all()  # significant, yet each fails another rule
    assert out.loc["T1", "recent_share"] == pytest.approx(800 / n_recent)


def test_too_short_a_history_flags_nothing():
    out, _ = emerging_fading(_weeks({"T1": [100] * 6 + [400] * 4 + [5], "T2": [100] * 11}))
    assert out.empty
