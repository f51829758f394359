"""The journey store on a real SQLite file and a real PostgreSQL database (no mocks).

Every test using the ``store``/``db_url`` fixtures runs once per backend.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from journeys.diff import diff_journeys
from journeys.errors import InvalidJourney, JourneysError, NotFound, StaleWrite
from journeys.model import Journey, JourneyState, Note, Step, Transition
from journeys.store import JourneySummary, Store
from journeys.store.migrate import alembic_config, current_revision, head_revision

WS = "Support team"
NOTED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def sample(name: str = "Onboarding") -> Journey:
    """A small valid journey with every kind of content the snapshot must keep."""
    return Journey(
        name=name,
        description="How new customers get going",
        personas=["New admin"],
        entry="visit",
        steps=[
            Step(id="visit", label="Visit site", stage="Discover", channel="web", emotion=1),
            Step(id="signup", label="Sign up", stage="Sign up", channel="web", emotion=0),
            Step(id="bot", label="Ask the bot", stage="Get help", channel="bot", emotion=-1, handled_by="bot"),
        ],
        transitions=[
            Transition(source="visit", target="signup", share=0.6),
            Transition(source="signup", target="bot", share=0.2, kind="escalation"),
        ],
        notes=[Note(step="bot", text="Bot loops on password resets", author="Ana", created_at=NOTED)],
    )


def edited(journey: Journey, **step_changes: object) -> Journey:
    """A copy with the 'signup' step changed (what an editor does between load and save)."""
    copy = journey.model_copy(deep=True)
    for field, value in step_changes.items():
        setattr(copy.step("signup"), field, value)
    return copy


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


# --- round trips ---------------------------------------------------------------------------------


def test_create_load_list_round_trip(store: Store) -> None:
    journey = sample()
    assert store.create(WS, journey, author="Ana") == 1

    loaded = store.load(WS, "Onboarding")
    assert loaded.journey == journey  # everything kept: notes, personas, enums, shares
    assert (loaded.version, loaded.saved_by) == (1, "Ana")
    assert loaded.saved_at.tzinfo is not None and loaded.saved_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - loaded.saved_at) < timedelta(minutes=1)

    store.create(
        WS,
        sample("Cancel").model_copy(update={"state": JourneyState.future, "derived_from": "Onboarding"}),
        author="Bo",
    )
    summaries = store.list_journeys(WS)
    assert [s.name for s in summaries] == ["Cancel", "Onboarding"]
    assert summaries[0] == JourneySummary(
        name="Cancel",
        state="future",
        derived_from="Onboarding",
        version=1,
        updated_by="Bo",
        updated_at=summaries[0].updated_at,
        step_count=3,
    )
    assert store.list_workspaces() == [WS]


def test_workspaces_are_created_once_and_listed_sorted(store: Store) -> None:
    for name in ["beta", "Alpha", "beta", " gamma "]:
        store.ensure_workspace(name)
    assert store.list_workspaces() == ["Alpha", "beta", "gamma"]
    assert store.list_journeys("Alpha") == []
    assert store.list_journeys("no such workspace") == []
    with pytest.raises(JourneysError, match="workspace name is empty"):
        store.ensure_workspace("  ")


def test_for_folder_creates_the_folder_and_a_sqlite_file(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "workspace"
    with Store.for_folder(folder) as store:
        store.create(WS, sample(), "Ana")
        assert store.url.startswith("sqlite:///")
    assert (folder / "journeys.db").is_file()
    with Store.for_folder(folder) as again:
        assert again.load(WS, "Onboarding").version == 1


def test_bad_urls_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(JourneysError, match="not a database URL"):
        Store("not a url")
    with pytest.raises(JourneysError, match="Unsupported database 'mysql'"):
        Store("mysql://x@localhost/db")
    with pytest.raises(JourneysError, match="does not exist"):
        Store(f"sqlite:///{tmp_path / 'missing' / 'journeys.db'}")


# --- saving and concurrency ----------------------------------------------------------------------


def test_save_bumps_the_version_and_appends_a_revision(store: Store) -> None:
    store.create(WS, sample(), "Ana")
    loaded = store.load(WS, "Onboarding")
    new_version = store.save(WS, edited(loaded.journey, label="Create account"), loaded.version, "Bo", "Rename step")
    assert new_version == 2

    again = store.load(WS, "Onboarding")
    assert (again.version, again.saved_by) == (2, "Bo")
    assert again.journey.step("signup").label == "Create account"
    assert [(r.version, r.author, r.message) for r in store.history(WS, "Onboarding")] == [
        (2, "Bo", "Rename step"),
        (1, "Ana", "Created"),
    ]
    assert store.list_journeys(WS)[0].version == 2


def test_two_sessions_saving_the_same_version_one_wins_and_nothing_is_lost(store: Store) -> None:
    store.create(WS, sample(), "Ana")
    other = Store(store.url)  # a second app session / process on the same database
    try:
        mine = store.load(WS, "Onboarding")
        theirs = other.load(WS, "Onboarding")
        assert mine.version == theirs.version == 1

        assert other.save(WS, edited(theirs.journey, channel="app"), theirs.version, "Bo", "App sign-up") == 2
        my_edit = edited(mine.journey, label="Create account")
        with pytest.raises(StaleWrite) as refused:
            store.save(WS, my_edit, mine.version, "Ana", "Clearer label")

        error = refused.value
        assert (error.expected, error.current, error.saved_by) == (1, 2, "Bo")
        saved_at = other.load(WS, "Onboarding").saved_at
        assert error.saved_at == saved_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        assert "changed by Bo at" in str(error) and error.saved_at in str(error)
        # The refusal wrote nothing: still Bo's version 2.
        assert store.load(WS, "Onboarding").journey.step("signup").channel == "app"

        # Ana reloads and saves her edit on top: both edits are now in the history.
        reloaded = store.load(WS, "Onboarding")
        assert store.save(WS, edited(reloaded.journey, label="Create account"), reloaded.version, "Ana", "Clearer") == 3
        head = other.load(WS, "Onboarding").journey.step("signup")
        assert (head.channel, head.label) == ("app", "Create account")
        assert other.revision(WS, "Onboarding", 2).step("signup").channel == "app"
        assert [r.author for r in other.history(WS, "Onboarding")] == ["Ana", "Bo", "Ana"]
    finally:
        other.close()


def test_racing_writers_exactly_one_wins(db_url: str) -> None:
    """Real concurrency: N threads, each with its own Store, save on top of version 1 at once."""
    with Store(db_url) as setup:
        setup.create(WS, sample(), "Ana")
    writers = 6
    stores = [Store(db_url) for _ in range(writers)]
    barrier = threading.Barrier(writers)
    outcomes: list[object] = [None] * writers

    def write(i: int) -> None:
        loaded = stores[i].load(WS, "Onboarding")
        barrier.wait()
        try:
            outcomes[i] = stores[i].save(WS, edited(loaded.journey, owner=f"writer {i}"), loaded.version, f"w{i}")
        except StaleWrite as error:
            outcomes[i] = error

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert sorted(o for o in outcomes if isinstance(o, int)) == [2]
        assert sum(isinstance(o, StaleWrite) for o in outcomes) == writers - 1
        winner = next(i for i, o in enumerate(outcomes) if o == 2)
        assert stores[0].load(WS, "Onboarding").journey.step("signup").owner == f"writer {winner}"
        assert [r.version for r in stores[0].history(WS, "Onboarding")] == [2, 1]
    finally:
        for s in stores:
            s.close()


def test_a_failure_mid_write_leaves_the_previous_state(store: Store) -> None:
    store.create(WS, sample(), "Ana")
    # Plant a revision 2 behind the store's back: the head update succeeds, then the revision insert fails.
    engine = create_engine(store.url)
    with engine.begin() as conn:
        journey_id = conn.execute(text("SELECT id FROM journeys WHERE name = 'Onboarding'")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO journey_revisions (journey_id, version, snapshot, author, created_at, message) "
                "VALUES (:j, 2, '{}', 'intruder', :t, '')"
            ),
            {"j": journey_id, "t": datetime.now(UTC).replace(tzinfo=None)},
        )
    engine.dispose()
    with pytest.raises(IntegrityError):
        store.save(WS, edited(sample(), label="Lost?"), 1, "Bo")
    loaded = store.load(WS, "Onboarding")
    assert (loaded.version, loaded.saved_by, loaded.journey) == (1, "Ana", sample())


def test_invalid_journeys_are_refused_and_nothing_is_written(store: Store) -> None:
    broken = sample().model_copy(deep=True)
    broken.steps[0].stage = "Helpp"  # not one of the journey's stages
    with pytest.raises(InvalidJourney) as refused:
        store.create(WS, broken, "Ana")
    assert any("Helpp" in str(p) for p in refused.value.problems)
    assert store.list_journeys(WS) == []
    assert store.list_workspaces() == []  # not even the workspace

    store.create(WS, sample(), "Ana")
    with pytest.raises(InvalidJourney):
        store.save(WS, broken, 1, "Bo")
    assert store.load(WS, "Onboarding").version == 1
    assert len(store.history(WS, "Onboarding")) == 1


def test_blank_author_is_refused(store: Store) -> None:
    with pytest.raises(JourneysError, match="author is empty"):
        store.create(WS, sample(), "  ")


def test_duplicate_create_is_refused(store: Store) -> None:
    store.create(WS, sample(), "Ana")
    with pytest.raises(JourneysError, match="already exists in workspace 'Support team'"):
        store.create(WS, sample(), "Bo")
    store.create("Other team", sample(), "Bo")  # same name in another workspace is fine
    assert store.load(WS, "Onboarding").saved_by == "Ana"


def test_rename_through_save(store: Store) -> None:
    store.create(WS, sample(), "Ana")
    store.create(WS, sample("Cancel"), "Ana")
    renamed = sample().model_copy(update={"name": "Onboarding v2"})
    assert store.save(WS, renamed, 1, "Bo", "Rename", name="Onboarding") == 2
    assert [s.name for s in store.list_journeys(WS)] == ["Cancel", "Onboarding v2"]
    with pytest.raises(NotFound):
        store.load(WS, "Onboarding")
    assert [r.message for r in store.history(WS, "Onboarding v2")] == ["Rename", "Created"]
    with pytest.raises(JourneysError, match="'Cancel' already exists"):
        store.save(WS, renamed.model_copy(update={"name": "Cancel"}), 2, "Bo", name="Onboarding v2")
    # Restoring a version saved under the old name keeps the current name.
    assert store.restore(WS, "Onboarding v2", 1, "Cy") == 3
    assert store.load(WS, "Onboarding v2").journey == renamed


# --- history, revisions, restore -----------------------------------------------------------------


def test_history_is_newest_first_and_revisions_keep_old_content(store: Store) -> None:
    store.create(WS, sample(), "Ana", message="First draft")
    store.save(WS, edited(sample(), emotion=-2), 1, "Bo", "Sign-up hurts")
    store.save(WS, edited(sample(), emotion=2), 2, "Cy", "Fixed it")

    history = store.history(WS, "Onboarding")
    assert [(r.version, r.author, r.message) for r in history] == [
        (3, "Cy", "Fixed it"),
        (2, "Bo", "Sign-up hurts"),
        (1, "Ana", "First draft"),
    ]
    assert history[0].created_at >= history[1].created_at >= history[2].created_at
    assert all(r.created_at.utcoffset() == timedelta(0) for r in history)
    assert store.revision(WS, "Onboarding", 1) == sample()
    assert store.revision(WS, "Onboarding", 2).step("signup").emotion == -2
    with pytest.raises(NotFound, match="no version 4"):
        store.revision(WS, "Onboarding", 4)


def test_restore_writes_the_old_content_as_a_new_revision(store: Store) -> None:
    store.create(WS, sample(), "Ana")
    store.save(WS, edited(sample(), label="Oops"), 1, "Bo", "Bad edit")
    assert store.restore(WS, "Onboarding", 1, "Cy") == 3
    loaded = store.load(WS, "Onboarding")
    assert (loaded.version, loaded.journey) == (3, sample())
    assert [(r.version, r.message) for r in store.history(WS, "Onboarding")][:2] == [
        (3, "Restored version 1"),
        (2, "Bad edit"),
    ]
    assert store.revision(WS, "Onboarding", 2).step("signup").label == "Oops"  # the bad edit is kept too

    with pytest.raises(StaleWrite, match="changed by Cy"):
        store.restore(WS, "Onboarding", 2, "Bo", expected_version=2)
    with pytest.raises(NotFound, match="no version 9"):
        store.restore(WS, "Onboarding", 9, "Bo")
    assert store.load(WS, "Onboarding").version == 3


def test_diff_of_two_revisions(store: Store) -> None:
    store.create(WS, sample(), "Ana")
    changed = edited(sample(), emotion=-2, label="Create account")
    changed.steps.append(Step(id="human", label="Talk to an agent", stage="Get help", channel="chat"))
    changed.transitions.append(Transition(source="bot", target="human", kind="escalation"))
    changed.transitions = [t for t in changed.transitions if t.source != "visit"]
    store.save(WS, changed, 1, "Bo")

    diff = diff_journeys(store.revision(WS, "Onboarding", 1), store.revision(WS, "Onboarding", 2))
    assert [s.id for s in diff.added_steps] == ["human"]
    assert {(c.field, c.old, c.new) for c in diff.changed_steps} == {
        ("label", "Sign up", "Create account"),
        ("emotion", 0, -2),
    }
    assert diff.emotion_delta["signup"] == -2
    assert [(t.source, t.target) for t in diff.removed_transitions] == [("visit", "signup")]
    assert diff.summary() == "1 step added, 1 changed; 1 transition added, 1 removed"


# --- delete / undelete ---------------------------------------------------------------------------


def test_delete_hides_the_journey_and_undelete_brings_it_back(store: Store) -> None:
    store.create(WS, sample(), "Ana")
    with pytest.raises(StaleWrite):
        store.delete(WS, "Onboarding", expected_version=0, author="Bo")
    store.delete(WS, "Onboarding", expected_version=1, author="Bo")

    assert store.list_journeys(WS) == []
    with pytest.raises(NotFound, match="deleted by Bo"):
        store.load(WS, "Onboarding")
    with pytest.raises(NotFound, match="deleted by Bo"):
        store.save(WS, sample(), 2, "Cy")
    with pytest.raises(JourneysError, match="deleted journey named 'Onboarding'"):
        store.create(WS, sample(), "Cy")
    assert store.history(WS, "Onboarding")[0].message == "Deleted"  # inspectable while deleted

    assert store.undelete(WS, "Onboarding", "Cy") == 3
    loaded = store.load(WS, "Onboarding")
    assert (loaded.version, loaded.saved_by, loaded.journey) == (3, "Cy", sample())
    assert [r.message for r in store.history(WS, "Onboarding")] == ["Undeleted", "Deleted", "Created"]
    with pytest.raises(JourneysError, match="is not deleted"):
        store.undelete(WS, "Onboarding", "Cy")


def test_saving_a_copy_of_a_journey_someone_deleted_says_so(store: Store) -> None:
    store.create(WS, sample(), "Ana")
    mine = store.load(WS, "Onboarding")
    store.delete(WS, "Onboarding", 1, "Bo")
    with pytest.raises(NotFound, match=r"deleted by Bo .*undelete"):
        store.save(WS, mine.journey, mine.version, "Ana")


def test_not_found_names_what_is_missing(store: Store) -> None:
    with pytest.raises(NotFound, match="no workspace 'Nowhere'"):
        store.load("Nowhere", "Onboarding")
    store.ensure_workspace(WS)
    with pytest.raises(NotFound, match="no journey 'Ghost' in workspace 'Support team'"):
        store.load(WS, "Ghost")
    for call in (
        lambda: store.save(WS, sample("Ghost"), 1, "Ana"),
        lambda: store.history(WS, "Ghost"),
        lambda: store.revision(WS, "Ghost", 1),
        lambda: store.restore(WS, "Ghost", 1, "Ana"),
        lambda: store.delete(WS, "Ghost", 1, "Ana"),
        lambda: store.undelete(WS, "Ghost", "Ana"),
    ):
        with pytest.raises(NotFound, match="Ghost"):
            call()


# --- migrations ----------------------------------------------------------------------------------


def test_migrates_an_empty_database_and_reopening_is_a_no_op(db_url: str) -> None:
    assert table_names(db_url) == set()
    with Store(db_url) as store:
        store.create(WS, sample(), "Ana")
    assert {"workspaces", "journeys", "journey_revisions", "alembic_version"} <= table_names(db_url)
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision()
        with Store(db_url) as again:  # already at head: nothing to do, data intact
            assert again.load(WS, "Onboarding").version == 1
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision()
        # Migrations go down as well as up (a bad release can be rolled back).
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        assert table_names(db_url) == {"alembic_version"}
    finally:
        engine.dispose()


def test_concurrent_opens_of_an_empty_database_migrate_once(db_url: str) -> None:
    openers = 4
    barrier = threading.Barrier(openers)
    errors: list[BaseException] = []

    def open_store() -> None:
        barrier.wait()
        try:
            Store(db_url).close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_store) for _ in range(openers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(db_url) as store:
        store.create(WS, sample(), "Ana")


def test_a_database_from_a_newer_journeys_is_refused_clearly(db_url: str) -> None:
    Store(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(JourneysError, match=r"schema '9999'.*newer journeys"):
        Store(db_url)
