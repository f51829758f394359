"""Who is working: the signed-in person (Streamlit's OpenID Connect sign-in) with their role in each
workspace, or — on a deployment without sign-in — the machine's local user, who gives a name once.

Sign-in is on when Streamlit's secrets have an ``[auth]`` section (README: "Sign-in for a team"). The
e-mail address the identity provider gives is the person's identity; roles come from each workspace's
members (:mod:`journeys.usecases.team`), and ``JOURNEYS_ADMINS`` lists addresses that own every workspace.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import quote, unquote

import streamlit as st

from journeys.members import Role, User
from journeys.store import Store
from journeys.usecases import team
from ui.text import plain, shown

AUTHOR_COOKIE = "journeys_author"
_run = threading.local()  # what one script run has read (Streamlit runs each session's script in one thread)


def signs_in() -> bool:
    """Whether this deployment asks people to sign in: an ``[auth]`` section in Streamlit's secrets."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, OSError, ValueError):  # no secrets.toml at all
        return False


def current_user() -> User | None:
    """The signed-in person (None when the deployment has no sign-in: everyone is the local user)."""
    if not signs_in() or not getattr(st.user, "is_logged_in", False):
        return None
    email = str(st.user.get("email") or "").strip().lower()
    return User(email, str(st.user.get("name") or ""))


def admins() -> frozenset[str]:
    """``JOURNEYS_ADMINS``: addresses that are owners of every workspace of the deployment."""
    return team.admins_from(os.environ.get("JOURNEYS_ADMINS"))


def roles(shared: Store) -> dict[str, Role]:
    """The signed-in person's role in each workspace they may open, read once a run (an owner's change to
    someone's role takes effect on that person's next click)."""
    known: dict[str, Role] | None = getattr(_run, "roles", None)
    if known is None:
        known = _read_roles(shared)
        _run.roles = known
    return known


def forget_roles() -> None:
    """At the start and end of each run: roles are read again on the next."""
    _run.roles = None


def _read_roles(shared: Store) -> dict[str, Role]:
    person = current_user()
    if person is None:
        return {name: Role.owner for name in shared.list_workspaces()}
    if st.session_state.get("_signed_in_as") != person.email:  # once a session: accept invitations, claim
        team.sign_in(shared, person, admins())
        st.session_state["_signed_in_as"] = person.email
    return {name: role for name in shared.list_workspaces()
            if (role := team.role_of(shared, name, person, admins())) is not None}


def author() -> str:
    """Who is working: the signed-in person when sign-in is configured, else the name given once."""
    person = current_user()
    if person is not None:
        return person.shown
    if not st.session_state.get("author"):
        remembered = st.context.cookies.get(AUTHOR_COOKIE)
        if isinstance(remembered, str) and remembered.strip():
            st.session_state["author"] = unquote(remembered).strip()
    name = st.session_state.get("author", "")
    return name if isinstance(name, str) else ""


def _remember_author() -> None:
    name = st.session_state.get("author_input", "").strip()
    if name:
        st.session_state["author"] = name
        st.session_state["author_cookie_pending"] = name


def _author_box() -> None:
    """Ask for a name once; it is recorded on every save and remembered in this browser."""
    name = author()
    box = st.sidebar.container(border=True)
    if name:
        box.caption(f"Working as **{shown(name, 60)}**")
        if box.button("Change name", key="change_author", type="tertiary"):
            st.session_state["author"] = ""
            st.rerun()
    else:
        box.text_input("Your name", key="author_input", placeholder="e.g. Sam from Support",
                       help="Recorded as the author of every change you save; remembered in this browser.",
                       on_change=_remember_author)
    pending = st.session_state.pop("author_cookie_pending", None)
    if pending:
        st.html(f"<script>document.cookie = '{AUTHOR_COOKIE}={quote(pending, safe='')}; path=/; max-age=31536000; "
                "SameSite=Lax';</script>", unsafe_allow_javascript=True)


def sign_in_screen() -> None:
    """The one screen a person who has not signed in sees."""
    st.title("journeys")
    st.markdown("Sign in to see your team's journeys, ticket data, pain points and experiments.")
    if st.button("Sign in", type="primary", icon=":material/login:", key="sign_in"):
        st.login()
    st.stop()


def no_workspace() -> None:
    person = current_user()
    st.title("No workspace yet")
    st.info(f"You are signed in as **{plain(person.email if person else '')}**, but no workspace has you as a "
            "member. Ask one of its owners to invite this address on the workspace's **Settings** page.")
    if st.button("Sign out", key="sign_out_none", icon=":material/logout:"):
        st.logout()
    st.stop()


def who_box(shared: Store, workspace: str) -> None:
    """Who is signed in, their role here, and signing out; without sign-in, the name box."""
    person = current_user()
    if person is None:
        _author_box()
        return
    role = roles(shared).get(workspace)
    box = st.sidebar.container(border=True)
    box.caption(f"Signed in as **{shown(person.shown, 60)}** · {plain(role.value if role else 'no access')}")
    if role == Role.viewer:
        box.caption("You can read everything here; saving needs an editor.")
    if box.button("Sign out", key="sign_out", type="tertiary", icon=":material/logout:"):
        st.logout()
