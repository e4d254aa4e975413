"""Pictures drawn on the server as SVG: a world map of a value per country and a horizontal
bar chart. No script, nothing fetched: the map's shapes come from the vendored world-atlas
TopoJSON (static/vendor/world-atlas/countries-110m.json, Natural Earth 1:110m, ISC licence),
decoded and projected here once per process. The templates (_map.html, _chart.html) draw the
SVG elements from the plain data built here and put the same numbers in a table beside it.

Also the two figures of the home page: achieved outcomes per country (joined to the map by
the M49 code, poa:m49 = the world-atlas feature id) and programmes per commitment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from poagraph.web.pages import pagedata

ATLAS = Path(__file__).parent.parent / "static" / "vendor" / "world-atlas" / "countries-110m.json"

#: The map's size in SVG units: equirectangular, longitude -180..180, latitude 84..-58
#: (Antarctica left out).
WIDTH = 960.0
NORTH, SOUTH = 84.0, -58.0
SCALE = WIDTH / 360.0
HEIGHT = round((NORTH - SOUTH) * SCALE, 1)
ANTARCTICA = "010"

#: M49 codes of the vocabulary that world-atlas draws under another id: Sudan before 2011
#: (the LDC of the decade) is 736 in M49, the atlas has today's Sudan, 729.
M49_ALIASES = {"736": "729"}

#: How many shades (light to dark; CSS classes shade-0 .. shade-4) the values are put in,
#: by quantiles of the values shown.
SHADES = 5


@dataclass(frozen=True)
class Shape:
    """One country of the atlas: its id (M49), name and SVG path data."""

    id: str
    name: str
    d: str


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """The arcs as (longitude, latitude) points: delta-decoded, then transformed."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def project(lon: float, lat: float) -> tuple[float, float]:
    """Equirectangular: SVG coordinates of a point (clamped to the map's latitudes)."""
    lat = min(NORTH, max(SOUTH, lat))
    return round((lon + 180.0) * SCALE, 1), round((NORTH - lat) * SCALE, 1)


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> str:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)  # consecutive arcs share their end point
    # a ring across the antimeridian (Russia, Fiji): longitudes made continuous, the ring
    # drawn again a world to the left or right so that both sides of the map show it
    unwrapped = points[:1]
    for lon, lat in points[1:]:
        previous = unwrapped[-1][0]
        lon += 360.0 * round((previous - lon) / 360.0)
        unwrapped.append((lon, lat))
    lons = [lon for lon, _ in unwrapped]
    shifts = [0.0] + ([-360.0] if max(lons) > 180 else []) + ([360.0] if min(lons) < -180 else [])
    return "".join(
        "M" + "L".join("{:g},{:g}".format(*project(lon + s, lat)) for lon, lat in unwrapped) + "Z"
        for s in shifts
    )


def _path(geometry: dict, arcs: list[list[tuple[float, float]]]) -> str:
    if geometry.get("type") == "Polygon":
        polygons = [geometry["arcs"]]
    elif geometry.get("type") == "MultiPolygon":
        polygons = geometry["arcs"]
    else:
        return ""
    return "".join(_ring(ring, arcs) for polygon in polygons for ring in polygon)


@cache
def shapes(atlas: Path = ATLAS) -> tuple[Shape, ...]:
    """The countries of the atlas as SVG paths, by name (read and projected once)."""
    topology = json.loads(atlas.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    found = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        fid = str(geometry.get("id", ""))
        d = _path(geometry, arcs)
        if d and fid != ANTARCTICA:
            found.append(Shape(fid, geometry.get("properties", {}).get("name", fid), d))
    return tuple(sorted(found, key=lambda s: s.name))


@dataclass
class Area:
    """A country's value on the map."""

    m49: str
    name: str
    value: int = 0
    iso3: str = ""
    href: str | None = None
    ldc: bool = False


@dataclass
class MapPath:
    d: str
    name: str
    classes: str
    area: Area | None = None


@dataclass
class WorldMap:
    width: float
    height: float
    paths: list[MapPath]
    #: the countries with a value, largest first (the table beside the map)
    rows: list[Area]
    #: (shade class, range of values) for the key
    legend: list[tuple[str, str]] = field(default_factory=list)


def _breaks(values: list[int]) -> list[int]:
    """Upper bounds of up to len(SHADES) classes (quantiles of the distinct values)."""
    distinct = sorted(set(values))
    if len(distinct) <= SHADES:
        return distinct
    n = len(distinct)
    return sorted({distinct[min(n - 1, (i + 1) * n // SHADES - 1)] for i in range(SHADES)})


def _shade(value: int, breaks: list[int]) -> str:
    """The CSS class of a value's shade: the darkest for the largest class of values."""
    for i, bound in enumerate(breaks):
        if value <= bound:
            return f"shade-{round(i * (SHADES - 1) / max(1, len(breaks) - 1))}"
    return f"shade-{SHADES - 1}"


def world_map(areas: list[Area]) -> WorldMap:
    """The map of `areas`: one path per country of the atlas, shaded when it has a value
    (above 0), outlined when it was an LDC of the decade."""
    by_id: dict[str, Area] = {}
    for area in areas:
        by_id[M49_ALIASES.get(area.m49, area.m49)] = area
    breaks = _breaks([a.value for a in areas if a.value > 0])
    paths = []
    for shape in shapes():
        area = by_id.get(shape.id)
        classes = ["country"]
        if area is not None and area.value > 0:
            classes += ["has-data", _shade(area.value, breaks)]
        if area is not None and area.ldc:
            classes.append("ldc")
        name = area.name if area else shape.name
        paths.append(MapPath(shape.d, name, " ".join(classes), area))
    rows = sorted((a for a in areas if a.value > 0), key=lambda a: (-a.value, a.name))
    legend = []
    low = 1
    for bound in breaks:
        legend.append((_shade(bound, breaks), f"{low}" if low == bound else f"{low}–{bound}"))
        low = bound + 1
    return WorldMap(WIDTH, HEIGHT, paths, rows, legend)


@dataclass
class Bar:
    label: str
    value: int
    href: str | None
    y: float
    width: float


@dataclass
class BarChart:
    width: float
    height: float
    label_width: float
    bar_height: float
    bars: list[Bar]
    unit: str = ""


def bar_chart(
    items: list[tuple[str, int, str | None]], *, width: float = 640, label_width: float = 260
) -> BarChart:
    """A horizontal bar chart of (label, value, link) items, in the order given."""
    bar_height, gap = 22.0, 8.0
    top = max((value for _, value, _ in items), default=0) or 1
    room = width - label_width - 48  # space for the value after the longest bar
    bars = [
        Bar(label, value, href, round(i * (bar_height + gap), 1), round(value / top * room, 1))
        for i, (label, value, href) in enumerate(items)
    ]
    height = max(bar_height, len(items) * (bar_height + gap) - gap)
    return BarChart(width, height, label_width, bar_height, bars)


# --- the home page's figures ------------------------------------------------------------


def outcomes_map() -> WorldMap:
    """Achieved outcomes per country (a joint outcome under each of its countries), LDCs of
    the decade outlined."""
    areas = []
    for row in pagedata.select("map-outcomes"):
        ldc = row.get("ldc")
        areas.append(
            Area(
                m49=row["m49"].value,
                name=row["name"].value if "name" in row else row["country"].local_name,
                value=pagedata.number(row.get("outcomes")),
                iso3=row["iso3"].value if "iso3" in row else "",
                href=row["country"].href,
                ldc=ldc is not None and ldc.value in ("true", "1"),
            )
        )
    return world_map(areas)


def commitment_chart() -> BarChart:
    """Distinct programmes per commitment of the Programme of Action, by commitment number."""
    items = []
    for row in pagedata.select("chart-commitment-programmes"):
        label = row["label"].value if "label" in row else row["commitment"].local_name
        if "number" in row:
            label = f"{row['number'].value}. {label}"
        items.append((label, pagedata.number(row.get("programmes")), row["commitment"].href))
    return bar_chart(items)


# --- a country page's figure ------------------------------------------------------------


def country_outcomes_chart(totals: list) -> BarChart | None:
    """Achieved outcomes per unit (and currency) of one country, from summaries.totals: one
    bar per unit, its length the number of outcomes (each counted once), the label marking
    how many of them are shared (stated jointly with other countries). None without any."""
    items = []
    for t in totals:
        label = " ".join(part for part in (t.currency, " ".join(t.unit.split())) if part)
        if t.shared:
            label += f" ({t.shared} shared)"
        items.append((label or "no unit", t.outcomes, None))
    return bar_chart(items, width=520, label_width=240) if items else None
