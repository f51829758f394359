"""The Settings page (AppTest) on the embedded default without sign-in: the local user is the owner; invitations,
roles and removals go through the team use cases and land in the members document; a bad address is refused in
words; the download record lists what was recorded."""

from __future__ import annotations

from pathlib import Path

import journeys
from journeys.members import Members, Role
from journeys.usecases import improve
from tests.pagetest import open_page, store_at


def _notice(at) -> str:
    """The page's notice as a reader sees it (plain() puts a zero-width space after '@' so no link is made)."""
    return " ".join([s.value for s in at.success] + [e.value for e in at.error]).replace("\u200b", "")


def test_an_owner_invites_changes_a_role_and_removes_someone(home: Path) -> None:
    at = open_page("settings")
    assert "Sign-in is **off**" in " ".join(m.value for m in at.markdown)
    at.text_input(key="invite_email").input("Kim@Example.org")
    at.selectbox(key="invite_role").select(Role.viewer)
    at.button[0].click()  # the form's Invite button is the first button of the page
    at.run()
    assert "Invited kim@example.org as viewer." in _notice(at)
    with store_at(home) as store:
        assert Members(store).role_of("demo", "kim@example.org") == Role.viewer
    table = at.dataframe[0].value
    assert list(table["Address"]) == ["kim@example.org"] and table["Status"].iloc[0].startswith("invited by Tester on ")

    at.selectbox(key="member_role").select(Role.editor)
    at.button(key="member_role_go").click().run()
    assert "kim@example.org is now editor." in _notice(at)
    at.button(key="member_remove").click().run()
    with store_at(home) as store:
        assert Members(store).role_of("demo", "kim@example.org") is None
        assert len(Members(store).history("demo")) == 3  # invited, role changed, removed: each a revision


def test_a_bad_address_is_refused_in_words_and_nothing_saved(home: Path) -> None:
    at = open_page("settings")
    at.text_input(key="invite_email").input("not an address")
    at.button[0].click()
    at.run()
    assert "is not an e-mail address" in _notice(at)
    with store_at(home) as store:
        assert Members(store).load("demo").version == 0


def test_the_download_record_shows_who_downloaded_customer_ids(home: Path) -> None:
    with journeys.open_workspace(home, name="demo") as ws:
        frame = improve.customers(ws, "EX-1")
        improve.customers_file(ws, "EX-1", frame)
    at = open_page("settings")
    record = at.dataframe[-1].value
    assert list(record["What"]) == ["affected customers of EX-1"] and list(record["Rows"]) == [len(frame)]
    assert record["Who"].iloc[0] == ws.user.shown
