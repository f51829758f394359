"""Reading a drawn Vega-Lite spec in chart tests: one named layer, and the rows of its data set."""

from __future__ import annotations


def spec_layer(spec: dict, name: str) -> dict:
    matches = [layer for layer in spec["layer"] if layer.get("name") == name]
    assert len(matches) == 1, f"expected one layer named {name!r}, got {[x.get('name') for x in spec['layer']]}"
    return matches[0]


def spec_rows(spec: dict, name: str) -> list[dict]:
    return spec["datasets"][spec_layer(spec, name)["data"]["name"]]
