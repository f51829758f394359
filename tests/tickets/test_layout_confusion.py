"""Every registered help-desk layout recognises its own sample — written by code from the vendor's
documentation under ``tests/tickets/samples/<layout>.py`` — and no other layout claims it: a confusion
matrix over all samples (and their translated variants), read from the files as the importer reads them."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pytest

from journeys.tickets.column_mapping import detect_layout
from journeys.tickets.importer import inspect_file
from journeys.tickets.layouts import REGISTRY
from tests.tickets.exports import ZENDESK_COLUMNS, ZENDESK_CUSTOM, as_rows, write_csv, zendesk_row

Writer = Callable[[Path], object]


def _zendesk(path: Path) -> None:
    header = [*ZENDESK_COLUMNS, *ZENDESK_CUSTOM]
    write_csv(path, header, as_rows(header, [zendesk_row(i) for i in range(40)]))


# extra samples: translated exports and layouts whose generator has another entry point
VARIANTS: dict[str, list[tuple[str, Writer]]] = {
    "zendesk": [("csv", _zendesk)],
    "hubspot": [(lang, lambda p, lang=lang: importlib.import_module("tests.tickets.samples.hubspot").write(
        p, lang=lang)) for lang in ("de", "es", "fr", "pt")],
    "zoho_desk": [(lang, lambda p, lang=lang: importlib.import_module("tests.tickets.samples.zoho_desk").write(
        p, lang=lang)) for lang in ("es", "de", "fr", "pt")],
}


def samples() -> list[tuple[str, str, Writer | None]]:
    """(layout, variant, writer) for every registered layout; writer None when it has no sample yet."""
    out: list[tuple[str, str, Writer | None]] = []
    for lay in REGISTRY:
        try:
            module = importlib.import_module(f"tests.tickets.samples.{lay.name}")
            write = getattr(module, "write", None)
        except ModuleNotFoundError:
            write = None
        if write is not None:
            out.append((lay.name, "default", write))
        out.extend((lay.name, variant, w) for variant, w in VARIANTS.get(lay.name, []))
        if write is None and lay.name not in VARIANTS:
            out.append((lay.name, "default", None))
    return out


SAMPLES = samples()


def test_every_registered_layout_is_in_the_matrix():
    assert {name for name, _, _ in SAMPLES} == {lay.name for lay in REGISTRY}


@pytest.mark.parametrize(("name", "variant", "write"), SAMPLES, ids=[f"{n}-{v}" for n, v, _ in SAMPLES])
def test_each_sample_is_its_own_layout_and_no_other(tmp_path, name, variant, write):
    if write is None:
        pytest.skip(f"no sample generator yet under tests/tickets/samples/{name}.py")
    path = tmp_path / f"{name}_{variant}.csv"
    write(path)
    info, mapping = inspect_file(path)
    detected, scores = detect_layout(info.columns)
    assert (mapping.layout, detected) == (name, name), scores
    # its own score beats every other layout's by a clear margin (one shared weak header is not enough)
    runner_up = max(v for k, v in scores.items() if k != name)
    assert scores[name] - runner_up >= 2, scores
