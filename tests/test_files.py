"""A command run in-process leaves what a finished process leaves: no work folder, no lock, the old default."""

from __future__ import annotations

from pathlib import Path

from journeys.files import TMP_FOLDER, as_own_process, process_tag, register_home, workspace_tmp


def test_as_own_process_releases_its_folders_and_restores_the_registered_home(tmp_path: Path) -> None:
    outer, inner = tmp_path / "outer", tmp_path / "inner"
    outer.mkdir(), inner.mkdir()
    register_home(outer)
    try:
        with as_own_process():
            register_home(inner)  # what a CLI command does at its start
            with workspace_tmp(prefix="t-") as work:  # no home given: the registered one
                assert work.is_dir() and work.is_relative_to(inner / TMP_FOLDER / process_tag())
            assert (inner / TMP_FOLDER / f"{process_tag()}.lock").exists()  # held until "exit"
        assert not (inner / TMP_FOLDER / process_tag()).exists()
        assert not (inner / TMP_FOLDER / f"{process_tag()}.lock").exists()
        with workspace_tmp(prefix="t-") as work:  # the default is the outer home again
            assert work.is_relative_to(outer)
    finally:
        register_home(None)
