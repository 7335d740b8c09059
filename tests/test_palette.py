"""The status palette, computed: contrast against the offline map in light and dark, and
distinguishable from its neighbours and from the context layers for colour-blind readers."""

from __future__ import annotations

import itertools
import math

import pytest

from geoapp.status import (
    MAP_BACKGROUND,
    OVERDUE_COLOR,
    STATUS,
    STATUSES,
    contrast_ratio,
    relative_luminance,
)

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
CVD = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
}
NEIGHBOUR_DE = 25  # ΔE*ab between statuses next to each other in the order
CONTEXT_DE = 20  # ΔE*ab between any status and any context layer's colour


def _linear(color: str) -> list[float]:
    out = []
    for i in (1, 3, 5):
        c = int(color[i : i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return out


def _lab(color: str, vision: str) -> tuple[float, float, float]:
    v = _linear(color)
    r, g, b = (
        min(1.0, max(0.0, sum(m * c for m, c in zip(row, v, strict=True)))) for row in CVD[vision]
    )
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a: str, b: str, vision: str) -> float:
    """CIE76 colour difference of two colours as a reader with ``vision`` sees them."""
    return math.dist(_lab(a, vision), _lab(b, vision))


def test_contrast_formula():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert relative_luminance("#777777") == pytest.approx(0.1845, abs=1e-4)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_status_stands_out_from_the_map_background(theme):
    ratios = {s.code: round(contrast_ratio(s.color, MAP_BACKGROUND[theme]), 2) for s in STATUSES}
    ratios["overdue"] = round(contrast_ratio(OVERDUE_COLOR, MAP_BACKGROUND[theme]), 2)
    expected = {
        "light": {
            "planned": 3.75, "preparing": 3.63, "launched": 3.3, "under_construction": 4.09,
            "topped_out": 4.24, "completed": 3.62, "accepted": 4.32, "in_service": 4.01,
            "overdue": 4.59,
        },
        "dark": {
            "planned": 3.82, "preparing": 3.95, "launched": 4.34, "under_construction": 3.5,
            "topped_out": 3.38, "completed": 3.96, "accepted": 3.32, "in_service": 3.58,
            "overdue": 3.12,
        },
    }[theme]  # fmt: skip
    assert ratios == expected
    assert min(ratios.values()) >= 3.0


@pytest.mark.parametrize("vision", list(CVD))
def test_neighbouring_statuses_are_distinguishable(vision):
    pairs = list(itertools.pairwise(STATUSES))
    worst = min(delta_e(a.color, b.color, vision) for a, b in pairs)
    assert worst >= NEIGHBOUR_DE, vision
    assert len({s.color for s in STATUSES}) == len(STATUSES)
    # the overdue mode puts overdue projects next to the others (drawn as 'planned')
    assert delta_e(OVERDUE_COLOR, STATUS["planned"].color, vision) >= NEIGHBOUR_DE


def _context_colors(bundled) -> dict[str, str]:
    out = {}
    for lid, d in bundled.defs.items():
        style = d.style
        if d.has_status:
            if "context_color" in style:
                out[f"{lid}-context"] = style["context_color"]
            continue
        if "color" in style:
            out[lid] = style["color"]
        for key, color in style.get("colors", {}).items():
            out[f"{lid}.{key}"] = color
    return out


@pytest.mark.parametrize("vision", list(CVD))
def test_statuses_differ_from_rivers_zones_and_boundary(bundled, vision):
    context = _context_colors(bundled)
    assert {"boundary", "towns", "sanjiang_liuan-context", "zones.axis"} <= context.keys()
    close = {
        (s.code, name): round(delta_e(s.color, c, vision))
        for s in STATUSES
        for name, c in context.items()
        if delta_e(s.color, c, vision) < CONTEXT_DE
    }
    assert close == {}
