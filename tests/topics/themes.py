"""Generated tickets whose subjects are about known themes, for checking that topics find them.

Each theme has several phrasings (different words for the same need) and every subject gets a
varying detail (an order number, a device), so texts are mostly distinct, as in real exports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from journeys.store import Store
from journeys.tickets.datasets import Datasets, DatasetVersion
from journeys.tickets.synthetic import generate

THEMES: dict[str, tuple[str, ...]] = {
    "password": ("I can't reset my password", "Password reset email never arrived", "Forgot my password, help",
                 "Reset link for my password does not work", "How do I change my password",
                 "Password reset keeps failing"),
    "refund": ("I want a refund for my order", "Please refund the double charge", "Refund not received yet",
               "When will I get my money back", "Charged twice, need a refund", "Requesting a refund"),
    "delivery": ("My package has not arrived", "Delivery is late", "Where is my parcel",
                 "Tracking shows no delivery update", "Order still not delivered", "Courier lost my package"),
    "crash": ("The app crashes on startup", "App keeps crashing when I open it", "Application freezes and closes",
              "Mobile app crash after update", "The app stops working", "Crash when I tap checkout"),
    "address": ("How do I change my shipping address", "Update my delivery address", "Wrong address on my account",
                "I moved, need to change my address", "Edit the address for my order", "Change billing address"),
}
DETAILS = ("order #{n}", "ref {n}", "on Android", "on iPhone", "account {n}", "since yesterday", "again", "")


def planted(n: int, seed: int = 0, themes: dict[str, tuple[str, ...]] = THEMES) -> tuple[pa.Table, list[str]]:
    """A canonical ticket table of ``n`` tickets with subjects from ``themes``, and each ticket's theme."""
    rng = np.random.default_rng(seed)
    names = list(themes)
    truth = [names[i] for i in rng.integers(0, len(names), n)]
    subjects = []
    for theme in truth:
        phrase = themes[theme][int(rng.integers(0, len(themes[theme])))]
        detail = DETAILS[int(rng.integers(0, len(DETAILS)))].format(n=int(rng.integers(10_000, 99_999)))
        subjects.append(f"{phrase} {detail}".strip())
    table = generate(n, steps=3, seed=seed)
    table = table.set_column(table.schema.get_field_index("subject"), "subject", pa.array(subjects, pa.string()))
    return table, truth


def commit(home: Path, name: str, table: pa.Table, workspace: str = "demo") -> DatasetVersion:
    """Store ``table`` as the next version of dataset ``name`` of the workspace in ``home``."""
    with Store.for_folder(home) as store:
        store.ensure_workspace(workspace)
        datasets = Datasets(store, home)
        staged = datasets.staging_path(workspace, name)
        pq.write_table(table, staged)
        return datasets.commit(workspace, name, staged, {}, "fixture")


def purity(found: list[str | None], truth: list[str]) -> float:
    """Share of assigned tickets whose topic's most common theme is their own theme."""
    pairs = [(f, t) for f, t in zip(found, truth, strict=True) if f is not None]
    by_topic: dict[str, dict[str, int]] = {}
    for f, t in pairs:
        by_topic.setdefault(f, {}).setdefault(t, 0)
        by_topic[f][t] += 1
    return sum(max(c.values()) for c in by_topic.values()) / max(len(pairs), 1)
