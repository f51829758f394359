"""The metric catalogue: hand-computed expectations, the too-few rule, periods, filters, segments,
the repeat-contact window, an independent pandas oracle, and DuckDB-vs-PostgreSQL parity."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy.engine import make_url

from journeys.metrics import METRICS, SAMPLES, compute, query, tickets_table
from journeys.tickets.canonical import arrow_schema
from journeys.tickets.synthetic import generate

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # a Monday


def tickets(rows: list[dict[str, Any]]) -> pa.Table:
    """A canonical ticket table from partial rows (ids and times filled in, other columns null)."""
    full = []
    for i, row in enumerate(rows):
        filled = {name: None for name in arrow_schema().names}
        filled |= {"ticket_id": f"T{i:04d}", "created_at": T0 + timedelta(hours=i), "journey_step": "A"}
        filled |= row
        full.append(filled)
    return pa.Table.from_pylist(full, schema=arrow_schema())


def duck(table: pa.Table) -> ibis.Table:
    con = ibis.duckdb.connect()
    return con.create_table("tickets", table)


def one(df: pd.DataFrame, **keys: Any) -> pd.Series:
    mask = np.ones(len(df), dtype=bool)
    for k, v in keys.items():
        mask &= (df[k] == v).to_numpy()
    assert mask.sum() == 1, f"expected one row for {keys}, got {mask.sum()}"
    return df[mask].iloc[0]


# --- the catalogue ---------------------------------------------------------------------------------

def test_catalogue_has_exactly_the_designed_metrics_with_unit_direction_and_kind():
    assert list(METRICS) == [
        "volume", "contact_rate", "csat", "frt_p50", "frt_p90", "resolution_p50", "resolution_p90",
        "reopen_rate", "escalation_rate", "automated_resolution_rate", "fcr_rate", "repeat_contact_rate",
        "agent_replies_mean",
    ]
    higher = {m for m, metric in METRICS.items() if metric.direction == "higher"}
    assert higher == {"csat", "automated_resolution_rate", "fcr_rate"}
    for name, metric in METRICS.items():
        assert metric.name == name and metric.label
        assert metric.definition.endswith(".") and metric.definition.count(". ") == 0  # one sentence
        assert metric.unit in {"tickets", "%", "minutes", "per 1,000", "replies"}
        assert metric.kind in {"count", "rate", "quantile", "mean"}
        assert metric.sample in SAMPLES or metric.sample == "reach"
        assert metric.sign == (1 if metric.direction == "lower" else -1)
    assert {m for m, metric in METRICS.items() if metric.kind == "quantile"} == {
        "frt_p50", "frt_p90", "resolution_p50", "resolution_p90"}
    assert METRICS["frt_p90"].unit == "minutes" and METRICS["contact_rate"].unit == "per 1,000"


# --- every metric by hand --------------------------------------------------------------------------

HAND = [  # one step, ten tickets, ten different customers (so no repeat contacts)
    # csat, frt, resolution, reopens, escalated, handled_by, agent_replies
    (5, 1, 10, 0, False, "bot", 0),
    (4, 2, 20, 0, True, "bot", 2),
    (3, 3, 30, 1, False, "human", 1),
    (None, 4, 40, 0, False, "human", 3),
    (1, 5, 50, 2, False, "human", 1),
    (None, 6, 60, 0, True, "bot", 0),
    (4, 7, 70, 0, False, "human", 1),
    (2, 8, 80, 0, False, "human", 4),
    (None, 9, 90, 0, False, "human", 1),
    (5, None, 100, None, False, None, 2),
]


def hand_table() -> pa.Table:
    cols = ("csat", "first_response_minutes", "resolution_minutes", "reopens", "escalated", "handled_by",
            "agent_replies")
    return tickets([dict(zip(cols, row, strict=True)) | {"customer_id": f"C{i}", "channel": "email"}
                    for i, row in enumerate(HAND)])


def test_every_metric_matches_a_hand_computation():
    df = compute(duck(hand_table()), reach={"A": 400}, min_sample=1)
    row = one(df, journey_step="A")
    assert row["n"] == 10 and row["volume"] == 10
    assert row["contact_rate"] == pytest.approx(1000 * 10 / 400)
    assert row["n_rated"] == 7 and row["csat"] == pytest.approx(4 / 7)  # 5, 4, 4, 5 of 5,4,3,1,4,2,5
    # frt 1..9 (one unknown): median 5; p90 at position 0.9·8 = 7.2 → 8 + 0.2·(9 − 8)
    assert row["n_first_response"] == 9
    assert row["frt_p50"] == pytest.approx(5.0) and row["frt_p90"] == pytest.approx(8.2)
    # resolution 10..100: median (50 + 60) / 2; p90 at position 8.1 → 90 + 0.1·10
    assert row["resolution_p50"] == pytest.approx(55.0) and row["resolution_p90"] == pytest.approx(91.0)
    assert row["n_reopens"] == 9 and row["reopen_rate"] == pytest.approx(2 / 9)
    assert row["escalation_rate"] == pytest.approx(2 / 10)
    # bots: #0 not escalated (automated), #1 and #5 escalated; one unknown handler → 1 of 9
    assert row["n_handled_by"] == 9 and row["automated_resolution_rate"] == pytest.approx(1 / 9)
    # ≤ 1 reply and no reopen, reopens known: #0, #5, #6, #8 of 9
    assert row["n_fcr"] == 9 and row["fcr_rate"] == pytest.approx(4 / 9)
    assert row["agent_replies_mean"] == pytest.approx(15 / 10)
    assert row["repeat_contact_rate"] == 0.0
    assert not row[[c for c in df.columns if c.endswith("_too_few")]].any()


def test_quantiles_agree_with_numpys_default_linear_interpolation():
    values = np.random.default_rng(5).lognormal(3, 1, 57).round(3)
    df = compute(duck(tickets([{"first_response_minutes": float(v)} for v in values])), metrics=["frt_p50", "frt_p90"])
    assert df["frt_p50"].iloc[0] == pytest.approx(np.quantile(values, 0.5), abs=1e-9)
    assert df["frt_p90"].iloc[0] == pytest.approx(np.quantile(values, 0.9), abs=1e-9)


def test_too_few_rule_reads_each_metrics_own_sample():
    df = compute(duck(hand_table()), reach={"A": 400}, min_sample=8)
    row = one(df, journey_step="A")
    assert row["csat_too_few"] and math.isnan(row["csat"])  # 7 rated < 8
    assert not row["frt_p90_too_few"] and row["frt_p90"] == pytest.approx(8.2)  # 9 known ≥ 8
    assert not row["reopen_rate_too_few"] and not row["volume_too_few"]
    df = compute(duck(hand_table()), reach={"A": 5}, min_sample=10)
    row = one(df, journey_step="A")
    too_few = {m for m in METRICS if row[f"{m}_too_few"]}
    # 10 tickets: n-based and fully known metrics pass, anything on 9 known values or on a reach of 5 does not
    assert too_few == {"contact_rate", "csat", "frt_p50", "frt_p90", "reopen_rate", "automated_resolution_rate",
                       "fcr_rate"}
    for m in too_few:
        assert math.isnan(row[m])
    assert row["escalation_rate"] == pytest.approx(0.2) and row["resolution_p90"] == pytest.approx(91.0)


def test_default_minimum_sample_hides_rates_on_small_steps_but_not_volume():
    df = compute(duck(hand_table()))
    row = one(df, journey_step="A")
    assert row["volume"] == 10 and not row["volume_too_few"]
    rates = [m for m, metric in METRICS.items() if metric.kind != "count" and m != "contact_rate"]
    assert all(row[f"{m}_too_few"] for m in rates) and row[rates].isna().all()
    assert math.isnan(row["contact_rate"]) and not row["contact_rate_too_few"]  # no reach: unknown, not too few


def test_a_column_missing_from_the_export_reads_too_few_not_zero():
    table = hand_table().drop_columns(["csat", "reopens"])
    row = compute(duck(table), min_sample=1).iloc[0]
    assert row["n_rated"] == 0 and row["csat_too_few"] and math.isnan(row["csat"])
    assert row["reopen_rate_too_few"] and row["fcr_rate_too_few"] and math.isnan(row["fcr_rate"])
    assert row["escalation_rate"] == pytest.approx(0.2)


def test_contact_rate_reach_per_step_and_per_period():
    rows = [{"journey_step": "A", "created_at": T0 + timedelta(days=d)} for d in (0, 1, 7, 8, 9)]
    rows += [{"journey_step": "B", "created_at": T0}]
    week1, week2 = pd.Timestamp("2025-01-06", tz="UTC"), pd.Timestamp("2025-01-13", tz="UTC")
    df = compute(duck(tickets(rows)), period="week", metrics=["contact_rate"], min_sample=1,
                 reach={"A": 100, ("A", "2025-01-13"): 30})
    assert one(df, journey_step="A", period=week1)["contact_rate"] == pytest.approx(1000 * 2 / 100)
    assert one(df, journey_step="A", period=week2)["contact_rate"] == pytest.approx(1000 * 3 / 30)
    assert math.isnan(one(df, journey_step="B", period=week1)["contact_rate"])
    assert "contact_rate" in df.columns and "reach" in df.columns


# --- periods, date range, filters, segments --------------------------------------------------------

def test_weeks_start_on_monday_utc_and_carry_their_end():
    times = ["2025-01-05T23:59:59", "2025-01-06T00:00:00", "2025-01-12T23:59:59", "2025-01-13T00:00:00",
             "2025-01-31T12:00:00", "2025-02-01T00:00:00"]
    table = duck(tickets([{"created_at": datetime.fromisoformat(t).replace(tzinfo=UTC)} for t in times]))
    weeks = compute(table, period="week", metrics=["volume"])
    assert weeks["period"].dt.strftime("%Y-%m-%d").tolist() == ["2024-12-30", "2025-01-06", "2025-01-13",
                                                                "2025-01-27"]
    assert weeks["n"].tolist() == [1, 2, 1, 2]
    assert (weeks["period_end"] - weeks["period"] == pd.Timedelta(days=7)).all()
    assert str(weeks["period"].dt.tz) == "UTC"
    months = compute(table, period="month", metrics=["volume"])
    assert months["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02"] and months["n"].tolist() == [5, 1]
    assert months["period_end"].dt.strftime("%Y-%m-%d").tolist() == ["2025-02-01", "2025-03-01"]
    days = compute(table, period="day", metrics=["volume"])
    assert days["n"].tolist() == [1, 1, 1, 1, 1, 1] and days.attrs["period"] == "day"


def test_date_range_start_inclusive_end_exclusive_naive_means_utc():
    table = duck(tickets([{"created_at": T0 + timedelta(days=d)} for d in range(10)]))
    df = compute(table, start=T0 + timedelta(days=2), end=(T0 + timedelta(days=5)).replace(tzinfo=None),
                 metrics=["volume"])
    assert df["n"].tolist() == [3]  # days 2, 3, 4
    assert df.attrs["start"] == T0 + timedelta(days=2) and df.attrs["end"] == T0 + timedelta(days=5)
    assert compute(table, start=T0 + timedelta(days=20), metrics=["volume"]).empty


def test_filters_values_nulls_and_tags():
    rows = [{"channel": "email", "tags": ["refund", "vip"]}, {"channel": "email", "tags": []},
            {"channel": "chat", "tags": ["refund"]}, {"channel": None, "tags": None}, {"channel": "phone"}]
    table = duck(tickets(rows))
    assert compute(table, filters={"channel": ["email"]}, metrics=["volume"])["n"].tolist() == [2]
    assert compute(table, filters={"channel": ["chat", None]}, metrics=["volume"])["n"].tolist() == [2]
    assert compute(table, filters={"tags": ["refund"]}, metrics=["volume"])["n"].tolist() == [2]
    assert compute(table, filters={"tags": ["vip", "refund"], "channel": ["email"]},
                   metrics=["volume"])["n"].tolist() == [1]
    assert compute(table, filters={"channel": []}, metrics=["volume"]).empty
    with pytest.raises(ValueError, match="unknown column"):
        compute(table, filters={"nope": ["x"]})


def test_segments_by_step_channel_and_group():
    rows = []
    for step, channel, group, escalated in [("A", "email", "tier1", True), ("A", "email", "tier1", False),
                                            ("A", "chat", "tier2", True), ("B", "chat", "tier2", False),
                                            ("B", "chat", "tier1", False), ("B", "email", "tier2", True)]:
        rows.append({"journey_step": step, "channel": channel, "group": group, "escalated": escalated})
    table = duck(tickets(rows))
    df = compute(table, by=("journey_step", "channel"), metrics=["volume", "escalation_rate"], min_sample=1)
    assert len(df) == 4
    assert one(df, journey_step="A", channel="email")["escalation_rate"] == pytest.approx(0.5)
    assert one(df, journey_step="B", channel="chat")["escalation_rate"] == 0.0
    assert one(df, journey_step="B", channel="email")["n"] == 1
    by_group = compute(table, by=("group",), metrics=["escalation_rate"], min_sample=1)  # "group" is an SQL keyword
    assert by_group["group"].tolist() == ["tier1", "tier2"]
    assert by_group["escalation_rate"].tolist() == pytest.approx([1 / 3, 2 / 3])
    overall = compute(table, by=(), metrics=["escalation_rate", "volume"], min_sample=1)
    assert len(overall) == 1 and overall["escalation_rate"].iloc[0] == pytest.approx(0.5)


def test_bad_arguments_are_refused_with_a_reason():
    table = duck(hand_table())
    with pytest.raises(ValueError, match="unknown metric"):
        compute(table, metrics=["nps"])
    with pytest.raises(ValueError, match="period"):
        compute(table, period="quarter")
    with pytest.raises(ValueError, match="unknown column"):
        compute(table, by=("team",))
    with pytest.raises(ValueError, match="min_sample"):
        compute(table, min_sample=-1)


# --- the repeat-contact window ---------------------------------------------------------------------

def repeat_flags(rows: list[dict[str, Any]], **options: Any) -> dict[str, float]:
    df = compute(duck(tickets(rows)), by=("ticket_id",), metrics=["repeat_contact_rate"], min_sample=1, **options)
    return dict(zip(df["ticket_id"], df["repeat_contact_rate"], strict=True))


def test_repeat_contact_edges_seven_days_other_step_other_customer():
    week = timedelta(days=7)
    rows = [
        {"ticket_id": "x1", "customer_id": "X", "created_at": T0},
        {"ticket_id": "x2", "customer_id": "X", "created_at": T0 + week},  # exactly 7 days later: counts
        {"ticket_id": "y1", "customer_id": "Y", "created_at": T0},
        {"ticket_id": "y2", "customer_id": "Y", "created_at": T0 + week + timedelta(microseconds=1)},  # too late
        {"ticket_id": "z1", "customer_id": "Z", "created_at": T0},
        {"ticket_id": "z2", "customer_id": "Z", "created_at": T0 + timedelta(days=1), "journey_step": "B"},
        {"ticket_id": "w1", "customer_id": "W1", "created_at": T0},
        {"ticket_id": "w2", "customer_id": "W2", "created_at": T0 + timedelta(hours=1)},
        {"ticket_id": "v1", "customer_id": "V", "created_at": T0},
        {"ticket_id": "v2", "customer_id": "V", "created_at": T0},  # simultaneous: each is the other's repeat
        {"ticket_id": "n1", "customer_id": None, "created_at": T0},
        {"ticket_id": "n2", "customer_id": None, "created_at": T0 + timedelta(hours=1)},  # no customer: never
        {"ticket_id": "s1", "customer_id": "S", "created_at": T0, "journey_step": None},
        {"ticket_id": "s2", "customer_id": "S", "created_at": T0 + timedelta(hours=1), "journey_step": None},
        {"ticket_id": "u1", "customer_id": "U", "created_at": T0},
        {"ticket_id": "u2", "customer_id": "U", "created_at": T0 + timedelta(days=1)},
        {"ticket_id": "u3", "customer_id": "U", "created_at": T0 + timedelta(days=9)},  # 8 days after u2
    ]
    flags = repeat_flags(rows)
    repeats = {k for k, v in flags.items() if v == 1.0}
    assert repeats == {"x1", "v1", "v2", "u1"}
    assert set(flags.values()) <= {0.0, 1.0} and len(flags) == len(rows)


def test_repeat_window_sees_other_channels_and_tickets_after_the_range():
    rows = [
        {"ticket_id": "a1", "customer_id": "A", "created_at": T0, "channel": "email"},
        {"ticket_id": "a2", "customer_id": "A", "created_at": T0 + timedelta(days=2), "channel": "phone"},
        {"ticket_id": "b1", "customer_id": "B", "created_at": T0 + timedelta(days=1), "channel": "email"},
    ]
    only_email = repeat_flags(rows, filters={"channel": ["email"]})
    assert only_email == {"a1": 1.0, "b1": 0.0}
    before_a2 = repeat_flags(rows, end=T0 + timedelta(days=2))
    assert before_a2 == {"a1": 1.0, "b1": 0.0}
    rate = compute(duck(tickets(rows)), metrics=["repeat_contact_rate"], min_sample=1)["repeat_contact_rate"]
    assert rate.iloc[0] == pytest.approx(1 / 3)


# --- an independent oracle on realistic data ------------------------------------------------------

def pandas_oracle(df: pd.DataFrame) -> pd.DataFrame:
    """The catalogue re-implemented in plain pandas/numpy, per step (no min-sample masking)."""
    df = df.sort_values(["customer_id", "journey_step", "created_at"]).copy()
    same = (df["customer_id"].eq(df["customer_id"].shift(-1)) & df["journey_step"].eq(df["journey_step"].shift(-1)))
    gap = df["created_at"].shift(-1) - df["created_at"]
    same_prev = df["customer_id"].eq(df["customer_id"].shift(1)) & df["journey_step"].eq(df["journey_step"].shift(1))
    tied = same_prev & (df["created_at"].shift(1) == df["created_at"])
    df["repeat"] = (same & (gap <= pd.Timedelta(days=7))) | tied

    def per_step(g: pd.DataFrame) -> pd.Series:
        rated = g["csat"].dropna()
        frt, res = g["first_response_minutes"].dropna(), g["resolution_minutes"].dropna()
        known_handler = g[g["handled_by"].notna()]
        bot_alone = (known_handler["handled_by"] == "bot") & ~known_handler["escalated"].fillna(False).astype(bool)
        fcr = g[g["agent_replies"].notna() & g["reopens"].notna()]
        return pd.Series({
            "n": len(g), "csat": (rated >= 4).mean(),
            "frt_p50": np.quantile(frt, 0.5), "frt_p90": np.quantile(frt, 0.9),
            "resolution_p50": np.quantile(res, 0.5), "resolution_p90": np.quantile(res, 0.9),
            "reopen_rate": (g["reopens"].dropna() >= 1).mean(), "escalation_rate": g["escalated"].mean(),
            "automated_resolution_rate": bot_alone.mean(),
            "fcr_rate": ((fcr["agent_replies"] <= 1) & (fcr["reopens"] == 0)).mean(),
            "repeat_contact_rate": g["repeat"].mean(), "agent_replies_mean": g["agent_replies"].mean(),
        })

    return pd.DataFrame({s: per_step(g) for s, g in df.groupby("journey_step")}).T.sort_index()


def test_compute_matches_an_independent_pandas_implementation():
    arrow = generate(6000, steps=5, weeks=6, seed=11)
    ours = compute(duck(arrow), min_sample=0).set_index("journey_step")
    oracle = pandas_oracle(arrow.to_pandas())
    assert ours["repeat_contact_rate"].min() > 0  # the generator really produces repeats
    for column in oracle.columns:
        assert np.allclose(ours[column].astype(float), oracle[column].astype(float), rtol=0, atol=1e-9), column


def test_tickets_table_reads_one_or_many_parquet_files(tmp_path: Path):
    arrow = generate(3000, steps=4, weeks=3, seed=2)
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    pq.write_table(arrow.slice(0, 1000), first)
    pq.write_table(arrow.slice(1000), second)
    both = compute(tickets_table([first, second]), metrics=["volume"])
    single = compute(tickets_table(first), metrics=["volume"])
    assert both["n"].sum() == 3000 and single["n"].sum() == 1000
    with pytest.raises(FileNotFoundError):
        tickets_table(tmp_path / "missing.parquet")


def test_synthetic_tickets_are_canonical_seeded_and_plausible(tmp_path: Path):
    from journeys.tickets.synthetic import step_ids, write_parquet

    arrow = generate(20_000, steps=8, weeks=10, seed=1)
    assert arrow.schema == arrow_schema() and arrow.num_rows == 20_000
    assert generate(500, seed=9).equals(generate(500, seed=9))
    assert not generate(500, seed=9).equals(generate(500, seed=8))
    df = arrow.to_pandas()
    assert df["ticket_id"].is_unique and df["created_at"].is_monotonic_increasing
    assert set(df["journey_step"]) == set(step_ids(8))
    span = df["created_at"].max() - df["created_at"].min()
    assert pd.Timedelta(days=60) < span <= pd.Timedelta(weeks=10)
    assert 0.15 < df["csat"].notna().mean() < 0.35 and set(df["csat"].dropna()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert set(df["handled_by"]) == {"bot", "human"} and df.loc[df["handled_by"] == "bot", "escalated"].mean() > 0
    counts = df["journey_step"].value_counts()
    assert counts.iloc[0] > 3 * counts.iloc[-1]  # skewed volumes, not uniform
    path = write_parquet(tmp_path / "t.parquet", 1000, steps=3, weeks=2, seed=5)
    assert pq.read_table(path).equals(generate(1000, steps=3, weeks=2, seed=5))


@pytest.mark.postgres
def test_tickets_table_loads_parquet_into_postgresql(fresh_pg_url: str, tmp_path: Path):
    path = tmp_path / "t.parquet"
    pq.write_table(generate(800, steps=3, weeks=2, seed=6), path)
    url = make_url(fresh_pg_url)
    con = ibis.postgres.connect(host=url.host, port=url.port, user=url.username, database=url.database)
    try:
        on_pg = compute(tickets_table(path, con), metrics=["volume", "csat"], min_sample=1)
        on_duck = compute(tickets_table(path), metrics=["volume", "csat"], min_sample=1)
        assert on_pg["n"].tolist() == on_duck["n"].tolist() and sum(on_pg["n"]) == 800
        assert np.allclose(on_pg["csat"], on_duck["csat"], rtol=0, atol=1e-9)
    finally:
        con.disconnect()


def test_the_query_is_one_aggregation_with_exact_quantiles_on_both_backends():
    table = duck(hand_table())
    expr = query(table, period="week")
    duck_sql, pg_sql = ibis.to_sql(expr, dialect="duckdb"), ibis.to_sql(expr, dialect="postgres")
    assert duck_sql.count("GROUP BY") == 1 and pg_sql.count("GROUP BY") == 1
    assert "QUANTILE_CONT" in duck_sql and "APPROX" not in duck_sql.upper()
    assert "PERCENTILE_CONT" in pg_sql and "PERCENTILE_DISC" not in pg_sql and "APPROX" not in pg_sql.upper()
    assert duck_sql.count("QUANTILE_CONT") == 2  # p50 and p90 share one call per column


# --- DuckDB vs PostgreSQL --------------------------------------------------------------------------

EDGE_ROWS = [  # ties, exactly 7 days, nulls: the cases where two engines could disagree
    {"customer_id": "EDGE1", "created_at": T0, "journey_step": "step_1"},
    {"customer_id": "EDGE1", "created_at": T0, "journey_step": "step_1", "channel": "chat"},
    {"customer_id": "EDGE2", "created_at": T0, "journey_step": "step_2"},
    {"customer_id": "EDGE2", "created_at": T0 + timedelta(days=7), "journey_step": "step_2"},
    {"customer_id": None, "created_at": T0, "journey_step": "step_2"},
    {"customer_id": "EDGE3", "created_at": T0, "journey_step": None},
]


@pytest.fixture(scope="module")
def both_backends(pg_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ibis.Table, ibis.Table]]:
    """The same synthetic tickets (plus edge rows) in DuckDB (from Parquet) and in PostgreSQL (a table)."""
    synthetic = generate(4000, steps=6, weeks=8, seed=7)
    edges = tickets([row | {"ticket_id": f"E{i}"} for i, row in enumerate(EDGE_ROWS)])
    arrow = pa.concat_tables([synthetic, edges])
    path = tmp_path_factory.mktemp("parity") / "tickets.parquet"
    pq.write_table(arrow, path)
    url = make_url(pg_cluster.create_database("metrics_parity"))
    con = ibis.postgres.connect(host=url.host, port=url.port, user=url.username, database=url.database)
    try:
        pg_table = con.create_table("tickets", arrow)
        yield tickets_table(path), pg_table
    finally:
        con.disconnect()
        pg_cluster.drop_database("metrics_parity")


PARITY_CASES = [
    {},
    {"period": "week"},
    {"period": "month", "by": ("journey_step", "channel"), "min_sample": 5},
    {"by": ("group",), "filters": {"channel": ["email", "chat", None]}},
    {"by": (), "start": datetime(2025, 1, 20, tzinfo=UTC), "end": datetime(2025, 2, 10, tzinfo=UTC)},
    {"period": "day", "min_sample": 0, "reach": {"step_01": 5000, "step_02": 20}},
    {"by": ("ticket_id",), "metrics": ["repeat_contact_rate"], "min_sample": 0},
    {"filters": {"tags": ["refund", "vip"]}, "min_sample": 10},
]


@pytest.mark.postgres
@pytest.mark.parametrize("options", PARITY_CASES, ids=lambda o: ",".join(o) or "default")
def test_duckdb_and_postgresql_agree_on_every_metric(both_backends: tuple[ibis.Table, ibis.Table],
                                                     options: dict[str, Any]):
    on_duckdb, on_postgres = (compute(t, **options) for t in both_backends)
    assert list(on_duckdb.columns) == list(on_postgres.columns)
    assert len(on_duckdb) == len(on_postgres) > 0
    for column in on_duckdb.columns:
        a, b = on_duckdb[column], on_postgres[column]
        if a.dtype.kind == "f":
            assert np.array_equal(np.isnan(a.to_numpy()), np.isnan(b.to_numpy(float))), column
            assert np.allclose(a, b.astype(float), rtol=0, atol=1e-9, equal_nan=True), column
        elif column in ("period", "period_end"):
            assert (a.dt.tz_convert("UTC").to_numpy() == b.dt.tz_convert("UTC").to_numpy()).all(), column
        else:
            as_list = [s.astype(object).where(s.notna(), None).tolist() for s in (a, b)]
            assert as_list[0] == as_list[1], column
    if options.get("by") == ("ticket_id",):  # the repeat window, row by row, including the edge rows
        flags = on_postgres.set_index("ticket_id")["repeat_contact_rate"]
        assert flags[["E0", "E1", "E2"]].tolist() == [1.0, 1.0, 1.0]
        assert flags[["E3", "E4", "E5"]].tolist() == [0.0, 0.0, 0.0]
