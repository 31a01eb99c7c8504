"""Is the home inside a CAP area: a polygon ("lat,lon" pairs, first = last) or a circle (km)?

Hand-written: a ray-casting test and a haversine distance are a dozen lines, and a
geometry library (shapely and its GEOS) would be a large native dependency for them.
Areas are a city or a coast, so the flat-earth ray test is ample.
"""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088


def in_polygon(point: tuple[float, float], polygon: tuple[tuple[float, float], ...]) -> bool:
    lat, lon = point
    inside = False
    for (lat1, lon1), (lat2, lon2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (lat1 > lat) != (lat2 > lat):
            crossing = lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1)
            if lon < crossing:
                inside = not inside
    return inside


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def in_circle(point: tuple[float, float], circle: tuple[float, float, float]) -> bool:
    lat, lon, radius = circle
    return distance_km(point, (lat, lon)) <= radius
