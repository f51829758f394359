"""Offline export of any chart (PNG, SVG, PDF) through vl-convert, and mark counting.

vl-convert bundles Vega and renders without a browser or network, so workshop
exports work on an air-gapped laptop and in the CLI. Remote data is refused.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import altair as alt
import vl_convert as vlc

from journeys.charts.style import clean

MAP_FORMATS = ("png", "svg", "pdf")
DEFAULT_EXPORT_WIDTH = 1000
DEFAULT_EXPORT_HEIGHT = 500
# Marks Vega draws once per data row; lines and areas draw one path per group instead.
_PER_DATUM_MARKS = {"point", "circle", "square", "rect", "bar", "tick", "rule", "text", "image", "arc"}


@cache
def _vl_version() -> str | None:
    """The Vega-Lite version Altair writes, if vl-convert bundles it (else vl-convert's default)."""
    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return wanted if wanted in vlc.get_vegalite_versions() else None


def _fixed_size(spec: dict[str, Any]) -> dict[str, Any]:
    """Replace "container" sizes: there is no container offline.

    Builders can suggest a width in ``usermeta.journeys.export_width`` (the map does), and
    ask with ``usermeta.journeys.fit`` that width and height hold the whole chart, axes and
    legends included, as Streamlit draws it in a container (Vega's "fit" autosize).
    """
    hint = (spec.get("usermeta") or {}).get("journeys", {}) if isinstance(spec.get("usermeta"), dict) else {}
    if hint.get("fit") and spec.get("width") == "container" and "autosize" not in spec:
        spec["autosize"] = {"type": "fit", "contains": "padding"}
    if spec.get("width") == "container":
        spec["width"] = int(hint.get("export_width", DEFAULT_EXPORT_WIDTH))
    if spec.get("height") == "container":
        spec["height"] = int(hint.get("export_height", DEFAULT_EXPORT_HEIGHT))
    return spec


def _clean_strings(value: Any) -> Any:
    """Every string in the spec without XML-forbidden characters: vl-convert aborts the process on them."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {_clean_strings(k): _clean_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_strings(v) for v in value]
    return value


def export_chart(chart: alt.TopLevelMixin, fmt: str, scale: float = 2.0) -> bytes:
    """The chart as PNG, SVG or PDF bytes, rendered offline; ValueError for other formats.

    ``scale`` multiplies the pixel size of a PNG (2 = crisp on slides); SVG and PDF are vector.
    Control characters anywhere in the chart's text or data (ticket subjects have them)
    are dropped first: vl-convert would otherwise abort the whole Python process.
    """
    if fmt not in MAP_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(MAP_FORMATS)}")
    spec = _fixed_size(_clean_strings(chart.to_dict()))
    options: dict[str, Any] = {"vl_version": _vl_version(), "allowed_base_urls": []}
    if fmt == "png":
        return vlc.vegalite_to_png(spec, scale=scale, **options)
    if fmt == "pdf":
        return vlc.vegalite_to_pdf(spec, **options)  # vector; vl-convert ignores a scale for PDF
    return vlc.vegalite_to_svg(spec, **options).encode("utf-8")


def mark_count(chart: alt.TopLevelMixin | dict[str, Any], *, per_datum_only: bool = False) -> int:
    """How many marks the chart draws: one per row for points, rules, text…, one per line group.

    Rows are counted before any transform (an upper bound for filtered layers).

    Streamlit draws a Vega-Lite chart as clickable SVG only while its per-datum
    marks stay at or under 2,000 (``per_datum_only=True`` counts those); above
    that it switches to canvas, where steps can no longer be found as elements.
    """
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    datasets = spec.get("datasets", {})

    def rows(data: Any, inherited: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not isinstance(data, dict):
            return inherited
        if "name" in data:
            return list(datasets.get(data["name"], []))
        if isinstance(data.get("values"), list):
            return data["values"]
        return inherited

    def walk(view: dict[str, Any], inherited: list[dict[str, Any]]) -> int:
        values = rows(view.get("data"), inherited)
        if "mark" in view:
            mark = view["mark"]["type"] if isinstance(view["mark"], dict) else view["mark"]
            if mark in _PER_DATUM_MARKS:
                return len(values)
            if per_datum_only:
                return 0
            detail = (view.get("encoding") or {}).get("detail") or {}
            field = detail.get("field") if isinstance(detail, dict) else None
            return len({row.get(field) for row in values}) if field else min(1, len(values))
        total = sum(walk(child, values) for key in ("layer", "concat", "hconcat", "vconcat")
                    for child in view.get(key, []))
        if isinstance(view.get("spec"), dict):
            total += walk(view["spec"], values)
        return total

    return walk(spec, [])
