"""Shared fixtures. Keep each fixture small and say what it is for; add yours below.

PostgreSQL: one throwaway cluster per test session (``pg_cluster``, started
only when a test asks for it, ~1 s), a fresh empty database per test
(``fresh_pg_url``). Tests that need it are marked ``postgres``
(``pytest -m "not postgres"`` runs without it). When the PostgreSQL binaries
are missing the tests are skipped locally but FAIL in CI (env ``CI`` set): CI
must never pass by silently skipping them.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from journeys.store import Store
from tests.pg_cluster import PgCluster, find_bindir

_database_numbers = itertools.count(1)

# Hypothesis profiles (issue 15). "ci": the full example counts, for CI and ./run.sh test; on Hypothesis's own
# CI settings when env CI is set (derandomized, no example database), else on its defaults (random examples,
# failures replayed from .hypothesis/, which .gitignore keeps out of git). "dev" (plain pytest): a fifth of the
# examples for a fast edit-test loop. Tests write counts as tests.strategies.examples(n), scaled by the profile.
hypothesis_settings.register_profile(
    "ci", hypothesis_settings.get_profile("ci" if os.environ.get("CI") else "default"), max_examples=100)
hypothesis_settings.register_profile("dev", hypothesis_settings.get_profile("default"), max_examples=20)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """The session's PostgreSQL cluster (started on first use, stopped and deleted at the end)."""
    if find_bindir() is None:
        reason = "PostgreSQL binaries (initdb, pg_ctl) not found; install postgresql (15) to run the postgres tests"
        if os.environ.get("CI"):
            pytest.fail(f"CI: {reason}", pytrace=False)
        pytest.skip(reason)
    with PgCluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def pg_url(pg_cluster: PgCluster) -> str:
    """URL of one database shared by the whole session (for read-mostly tests)."""
    return pg_cluster.create_database("journeys")


@pytest.fixture
def fresh_pg_url(pg_cluster: PgCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a new, empty database for this test only; dropped afterwards."""
    name = f"t{next(_database_numbers)}_" + re.sub(r"\W+", "_", request.node.name).lower()[:40]  # readable in logs
    url = pg_cluster.create_database(name)
    yield url
    pg_cluster.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty workspace database, once per backend (the postgres cluster starts only if needed)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'journeys.db'}"
    return str(request.getfixturevalue("fresh_pg_url"))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A fresh, migrated Store on each backend; closed after the test."""
    opened = Store(db_url)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo workspace with tickets, pain points and experiments, built once per session (the slow part)."""
    from journeys.demo.loader import load_demo
    from tests.pagetest import DEMO_TICKETS

    home = tmp_path_factory.mktemp("demo-template")
    with Store.for_folder(home) as store:
        load_demo(store, "demo", home=home, tickets=DEMO_TICKETS)
    return home


@pytest.fixture
def demo_home(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo workspace, with the app pointed at it."""
    import shutil

    from tests.pagetest import use_home

    copy = tmp_path / "demo-home"
    shutil.copytree(demo_template, copy)
    return use_home(monkeypatch, copy)


@pytest.fixture(scope="session")
def cli_demo_template(tmp_path_factory):
    """``cli_demo_template(n)``: (folder, init's stdout) of ``journeys init --demo --tickets n``, built once per n.

    Built in-process, once per session: each ``init --demo`` costs 1-15 s. Never write to the folder;
    copy it (``cli_demo_copy``).
    """
    from tests.cli.runner import run

    built: dict[int, tuple[Path, str]] = {}

    def template(tickets: int) -> tuple[Path, str]:
        if tickets not in built:
            home = tmp_path_factory.mktemp(f"cli-demo-{tickets}")
            built[tickets] = home, run(home, "init", "--demo", "--tickets", str(tickets), check_ok=True).stdout
        return built[tickets]

    return template


@pytest.fixture(scope="session")
def cli_demo_copy(cli_demo_template, tmp_path_factory):
    """``cli_demo_copy(n)``: a fresh private copy of ``cli_demo_template(n)``'s workspace folder."""
    import shutil

    def copy(tickets: int) -> Path:
        target = tmp_path_factory.mktemp(f"cli-demo-{tickets}-copy") / "ws"
        shutil.copytree(cli_demo_template(tickets)[0], target)
        return target

    return copy
