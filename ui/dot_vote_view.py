"""Dot-voting under the journey map: the facilitator opens a vote, everyone places dots, results update live.

The section is a fragment that reruns on its own every two seconds, so each person sees the others' dots
(and a vote opened or closed by the facilitator) without reloading the page, and a click on a dot reruns
only this section, not the board. Who votes: the signed-in person's address; on the embedded app without
sign-in everyone is the same local user, so people are told apart by the name typed in the sidebar.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from journeys.errors import JourneysError
from journeys.members import Role
from journeys.usecases.voting import cast, close_vote, open_vote, vote, votes_of
from journeys.workshop.votes import MAX_DOTS, StoredVote, dots_words
from ui.frame import author, ws
from ui.text import plain, shown

REFRESH_SECONDS = 2  # others' dots show within this (the workshop's promise is 3 s)
LISTED_SECONDS = 1.5  # a vote opened or closed elsewhere shows within this plus REFRESH_SECONDS
NOTICE = "dot_vote_notice"
OPTION = "dot_vote_option"  # the option the dots go on
ON = {"Steps": "steps", "Pain notes": "notes"}


def voting(name: str, journey: Any, version: int) -> None:
    """The dot-vote section of ``name``'s map (``journey`` at ``version`` as the page shows it).

    A bordered box, not an expander: an expander the person unfolded is folded again by a full rerun (a
    colleague's save redraws the page), which would hide the vote from under the room."""
    if not ws().may(Role.viewer):
        return
    with st.container(border=True, key="dot_vote"):
        _live(name, len(journey.steps))


@st.cache_data(ttl=LISTED_SECONDS, max_entries=64, show_spinner=False)
def _listed(url: str, workspace: str, name: str) -> list[StoredVote]:
    """The journey's votes, read at most once a second and a half for every session on the map (the listing
    reads every vote's newest revision; each session then reads only the open vote itself). ``url`` and
    ``workspace`` are the cache's key: the sessions of one workspace share the listing, no other."""
    return votes_of(ws(), name)


@st.fragment(run_every=REFRESH_SECONDS)
def _live(name: str, steps: int) -> None:
    left = st.session_state.pop(NOTICE, None)
    if left:
        st.error(plain(left), icon=":material/block:")
    listed = _listed(ws().settings.database_url, ws().name, name)
    known = next((v for v in listed if v.vote.is_open), None)
    current = vote(ws(), known.key) if known else None  # the open vote itself read fresh: dots just placed show
    if current is None or not current.vote.is_open:
        _open_form(name, steps)
        done = current or next((v for v in listed if not v.vote.is_open), None)
        if done is not None:
            st.caption(f"Last vote, {done.key}, closed by {shown(done.vote.closed_by, 40)}: "
                       f"{shown(done.vote.results().summary(), 200)}")
        return
    _ballot(current)


def _close(stored: StoredVote) -> None:
    """The facilitator's button; the page then reruns whole, so the map shows the journey's new revision."""
    closing = st.button("Close the vote", key="dot_vote_close", icon=":material/lock:",
                        help="The results become final and are saved in the journey's History")
    if closing and _act(close_vote, ws(), stored.key, author=author()) is not None:
        _listed.clear()
        st.session_state["last_saved"] = f"Dot vote {stored.key} closed; the result is in History"
        st.rerun()


def _open_form(name: str, steps: int) -> None:
    if not ws().may(Role.editor):
        st.markdown("**:material/how_to_vote: Dot vote** · no vote is open; a facilitator (an editor) opens one here.")
        return
    words, on_col, dots_col, go_col = st.columns([3, 2, 1, 1], vertical_alignment="bottom")
    words.markdown("**:material/how_to_vote: Dot vote**")
    words.caption(f"Let the room rank what matters: everyone places a few dots on the {steps:d} steps or on the "
                  "pain notes and sees them add up live.")
    on_col.segmented_control("Vote on", list(ON), default="Steps", key="dot_vote_on")
    dots_col.number_input("Dots each", min_value=1, max_value=MAX_DOTS, value=3, step=1, key="dot_vote_n")
    go_col.button("Open a vote", key="dot_vote_open", type="primary", icon=":material/how_to_vote:",
                  on_click=_open, args=(name,), width="stretch")


def _open(name: str) -> None:
    on = ON[st.session_state.get("dot_vote_on") or "Steps"]
    _act(open_vote, ws(), name, on, int(st.session_state.get("dot_vote_n") or 3), author=author())
    _listed.clear()


def _me() -> tuple[str, str]:
    """(voter, shown name): the signed-in address, else the name typed in the sidebar."""
    user = ws().user
    if not user.is_local:
        return user.email, user.shown
    name = author()
    return name, name


def _ballot(stored: StoredVote) -> None:
    vote = stored.vote
    voter, name = _me()
    mine = vote.mine(voter) if voter else {}
    st.markdown(f"**:material/how_to_vote: Dot vote {stored.key}** on the {plain(vote.on.value)} · "
                f"opened by {shown(vote.opened_by, 40)} · "
                f"{plain(dots_words(vote.dots))} each")
    cast_col, results_col = st.columns([2, 3])
    with cast_col:
        if not voter:
            st.info("Tell us your name in the sidebar to vote.")
        else:
            st.markdown(f"You have **{vote.remaining(voter):d}** of {plain(dots_words(vote.dots))} left")
            labels = {o.id: o.label for o in vote.options}
            option = st.selectbox("Option", list(labels), format_func=lambda o: labels[o], key=OPTION)
            add, back = st.columns(2)
            add.button("Add a dot", key="dot_vote_add", icon=":material/add_circle:", width="stretch",
                       on_click=_cast, args=(stored.key, 1, voter, name),
                       disabled=vote.remaining(voter) == 0)
            back.button("Take one back", key="dot_vote_back", icon=":material/remove_circle:", width="stretch",
                        on_click=_cast, args=(stored.key, -1, voter, name), disabled=not mine.get(option))
        if ws().may(Role.editor):
            _close(stored)
    with results_col:
        _results(stored, mine)


def _results(stored: StoredVote, mine: dict[str, int]) -> None:
    got = stored.vote.results()
    top = max((t.dots for t in got.tallies), default=0)
    table = pd.DataFrame([{"Option": t.label, "Dots": t.dots, "People": t.voters, "Yours": mine.get(t.option, 0)}
                          for t in got.tallies])
    st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 320), key="dot_vote_results",
                 column_config={"Dots": st.column_config.ProgressColumn("Dots", format="%d", min_value=0,
                                                                        max_value=max(top, 1))})
    st.caption(f"{got.voters:d} {'person has' if got.voters == 1 else 'people have'} voted · "
               f"{plain(dots_words(got.dots))} placed · updates every {REFRESH_SECONDS:d} s")


def _cast(key: str, delta: int, voter: str, name: str) -> None:
    """The option as the box shows it when the button is clicked (the click brings the box's value along), not
    as it was when the button was drawn: a pick followed at once by a click must not put the dot elsewhere."""
    option = st.session_state.get(OPTION)
    if option:
        _act(cast, ws(), key, option, delta, voter=voter, name=name)


def _act(action: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a vote use case; a refusal is shown in words above the section on its next run."""
    try:
        return action(*args, **kwargs)
    except JourneysError as error:
        st.session_state[NOTICE] = str(error)
        return None
