"""Web app benchmark: first-load page weight (gzipped) and time to first byte, per page.

Serves the app (``aibridge.api.app.create_app`` when present, else a bare FastAPI app with
the web pages mounted) with uvicorn on 127.0.0.1, then for each page:

* **weight**: the gzipped bytes a browser with an empty cache downloads: the HTML plus every
  same-origin stylesheet and script it references, plus the world TopoJSON on map pages
  (fetched by app.js). Budget: 300 KB per page.
* **TTFB**: median and p95 over ``--runs`` sequential requests, time until the response
  headers arrive (httpx streaming), warm server.

Usage::

    .venv/bin/python benchmarks/bench_web.py --store /path/store.duckdb [--runs 30]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "web"))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "tests"))  # support.*

from webtest_support import serve

BUDGET = 300_000


def make_app(store_path: str | None) -> object:
    from aibridge.store import Store

    store = Store.open(store_path, read_only=True)
    try:
        from aibridge.api.app import create_app  # type: ignore[import-not-found,unused-ignore]
        from aibridge.settings import Settings

        # env=test: no JSON access log on stdout while measuring
        app = create_app(Settings(env="test"), store=store)
        return app
    except ImportError:
        from fastapi import FastAPI

        from aibridge.web.app import mount_web

        app = FastAPI()
        app.state.store = store
        mount_web(app)
        return app


def pages(client: httpx.Client) -> dict[str, str]:
    html = client.get("/en/countries").text
    country = "KEN" if "/en/country/KEN" in html else re.findall(r"/en/country/(\w{3})", html)[0]
    return {
        "map (en)": "/en/",
        "map (ar)": "/ar/",
        "countries": "/en/countries",
        f"profile {country} (en)": f"/en/country/{country}",
        f"profile {country} (ar)": f"/ar/country/{country}",
        "compare 5": f"/en/compare?e={country}&e=NGA&e=IND&e=BRA&e=FRA",
        "indicators": "/en/indicators",
        "indicators search": "/en/indicators?q=internet",
        "indicator": "/en/indicators/IT.NET.USER.ZS",
        "sources": "/en/sources",
        "rankings hdi": "/en/rankings/hdi",
        "rankings hdi (builder move)": "/en/rankings/hdi?w_income=2.5",
        f"scenario hdi {country}": f"/en/scenario/hdi/{country}?v_le=75",
        "methodology hdi": "/en/methodology/hdi",
        "board": "/en/board",
    }


def weight(client: httpx.Client, path: str) -> tuple[int, int]:
    """(gzipped HTML bytes, gzipped total first-load bytes)."""
    gz = {"accept-encoding": "gzip"}

    def wire(url: str) -> int:
        with client.stream("GET", url, headers=gz) as response:
            return sum(len(chunk) for chunk in response.iter_raw())

    html_bytes = wire(path)
    html = client.get(path).text
    assets = set(re.findall(r'<script src="(/static/[^"]+)"', html))
    assets |= set(re.findall(r'<link rel="stylesheet" href="(/static/[^"]+)"', html))
    if 'id="map-chart"' in html:
        assets.add("/static/vendor/countries-110m.json")
    return html_bytes, html_bytes + sum(wire(a) for a in sorted(assets))


def ttfb(client: httpx.Client, path: str, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with client.stream("GET", path, headers={"accept-encoding": "gzip"}) as response:
            response.raise_for_status() if response.status_code >= 500 else None
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=None, help="store file (default: configured store)")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    app = make_app(args.store)
    failed = False
    with serve(app) as base, httpx.Client(base_url=base, timeout=60) as client:  # type: ignore[arg-type]
        print(f"{'page':28} {'HTML gz':>9} {'first load gz':>14} {'TTFB p50':>9} {'p95':>8}")
        for name, path in pages(client).items():
            client.get(path)  # warm caches
            html_gz, total = weight(client, path)
            p50, p95 = ttfb(client, path, args.runs)
            over = " OVER BUDGET" if total > BUDGET else ""
            failed |= bool(over)
            print(
                f"{name:28} {html_gz / 1000:8.1f}K {total / 1000:13.1f}K {p50:7.1f}ms "
                f"{p95:6.1f}ms{over}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
