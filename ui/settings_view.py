"""The workspace's Settings page: who is in it with which role, invitations, privacy, and who downloaded
customer data. Everything here calls :mod:`journeys.usecases.team`; owners manage, everyone else reads.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from journeys.errors import JourneysError
from journeys.members import Member, Role
from journeys.usecases import team
from ui import identity
from ui.frame import author, ws
from ui.notices import show_notice
from ui.text import plain

NOTICE = "settings_notice"
ROLE_WORDS = {Role.owner: "owner — also manages members",
              Role.editor: "editor — changes the workspace",
              Role.viewer: "viewer — reads only"}
ROLES_HELP = ("Viewers read everything and take part in a workshop's dot vote. Editors also change maps, rules, "
              "ticket data, pain points and experiments, and download customer ids. Owners also manage members.")


def you() -> None:
    """Who this session acts as, and how people get in."""
    here = ws()
    role = here.role.value if here.role else "no access"
    if identity.signs_in():
        st.markdown(f"Signed in as **{plain(here.user.shown)}** ({plain(here.user.email)}) · **{plain(role)}** of "
                    f"workspace **{plain(here.name)}**.")
        return
    st.markdown(f"Sign-in is **off**: everyone who reaches this app is the machine's local user "
                f"(**{plain(here.user.email)}**), owner of every workspace. That is right on one machine "
                "(the app listens on 127.0.0.1 only). To let a team in, configure sign-in with your identity "
                "provider (README: *Sign-in for a team*); invite people here first, so they find the workspace "
                "when they sign in.")


def members() -> None:
    st.subheader("Members", anchor="members")
    show_notice(NOTICE)
    listed = team.members(ws())
    if not listed:
        st.caption("No one is listed yet. Without sign-in the local user is the owner; invite people's "
                   "addresses before turning sign-in on.")
    else:
        st.dataframe(_frame(listed), hide_index=True, width="stretch")
    if not ws().may(Role.owner):
        st.caption("Owners invite people and change roles.")
        return
    invite, change = st.columns(2)
    with invite.form("invite", clear_on_submit=True, border=True):
        st.markdown("**Invite someone**")
        email = st.text_input("E-mail address", placeholder="name@example.com", key="invite_email")
        role = st.selectbox("Role", list(Role), index=1, format_func=ROLE_WORDS.get, key="invite_role",
                            help=ROLES_HELP)
        if st.form_submit_button("Invite", type="primary", icon=":material/person_add:"):
            _run(lambda who: team.invite(ws(), email, role, who), f"Invited {email.strip().lower()} as {role.value}.")
    addresses = [m.email for m in listed]
    with change.container(border=True):
        st.markdown("**Change a role or remove someone**")
        if not addresses:
            st.caption("Nobody to change yet.")
            return
        chosen = st.selectbox("Member", addresses, key="member_pick")
        new_role = st.selectbox("New role", list(Role), format_func=ROLE_WORDS.get, key="member_role",
                                help=ROLES_HELP)
        left, right = st.columns(2)
        if left.button("Change role", key="member_role_go", width="stretch"):
            _run(lambda who: team.change_role(ws(), chosen, new_role, who), f"{chosen} is now {new_role.value}.")
        if right.button("Remove", key="member_remove", width="stretch", icon=":material/person_remove:"):
            _run(lambda who: team.remove(ws(), chosen, who), f"Removed {chosen}.")


def _frame(listed: list[Member]) -> pd.DataFrame:
    return pd.DataFrame([{"Address": m.email, "Name": m.name, "Role": m.role.value, "Status": _status(m)}
                         for m in listed])


def _status(member: Member) -> str:
    if member.joined:
        return f"joined {member.joined:%-d %b %Y}"
    since = f" on {member.invited_at:%-d %b %Y}" if member.invited_at else ""
    return f"invited by {member.invited_by or 'an owner'}{since}, not signed in yet"


def _run(action: Callable[[str], object], done: str) -> None:
    """Do one change as the session's person and leave what happened for the next run."""
    try:
        action(author() or ws().user.shown)
    except JourneysError as error:
        st.session_state[NOTICE] = ("error", plain(str(error)))
    else:
        st.session_state[NOTICE] = ("success", plain(done))
    st.rerun()


def downloads() -> None:
    """Who downloaded customer-level data, when, what: for owners."""
    st.subheader("Customer data downloads", anchor="downloads")
    if not ws().may(Role.owner):
        st.caption("Owners see who downloaded customer ids. Each download is recorded.")
        return
    found = team.downloads(ws())
    if not found:
        st.caption("Nobody has downloaded customer-level data from this workspace yet. Every download of "
                   "affected customers is recorded here (who, when, what).")
        return
    st.dataframe(pd.DataFrame([{"When (UTC)": d.at, "Who": d.who, "Address": d.email, "What": d.what,
                                "Rows": d.rows} for d in found]), hide_index=True, width="stretch",
                 column_config={"When (UTC)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm:ss")})
