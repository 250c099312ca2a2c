"""The AI Capacity Index routes of the API on the real open data: what the first request after
an import pays (the build, each year's bands) and what later requests cost.

In process (``TestClient``, no network), one store file with the series of the ACI, the gender
lens and the HDI imported from ``../shared/data`` (``AIBRIDGE_SHARED_DATA``), the response
cache of the middleware turned off so each request runs its route. Wall time and CPU time
(``time.process_time``) per step; repeated steps report the median. Compare with
``aibridge aci build`` (``build_aci``), which the results route equals.

    .venv/bin/python benchmarks/bench_api_aci.py [--store PATH] [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ECONOMIES = ("KEN", "IND", "BRA", "DEU", "USA", "NGA", "IDN", "MEX", "EGY", "VNM")


def make_store(path: Path) -> None:
    """The real open data the ACI, its gender lens and the HDI read (tests/support/aci_store)."""
    import sys

    from aibridge.settings import Settings, find_shared_data

    shared = find_shared_data(Settings())
    if shared is None:
        raise SystemExit("needs the open data (AIBRIDGE_SHARED_DATA or ../shared/data)")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from support.aci_store import build_aci_store

    build_aci_store(shared, path, frameworks=("aci", "aci_gender", "hdi"))


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="an existing store file (default: build one)")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    os.environ.setdefault("AIBRIDGE_ENV", "test")
    path = args.store
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="bench-api-aci-")) / "store.duckdb"
        make_store(path)

    from fastapi.testclient import TestClient

    from aibridge.analysis.aci import build_aci
    from aibridge.api import create_app
    from aibridge.api.middleware import Limits
    from aibridge.settings import Settings
    from aibridge.store import Store

    rows: list[tuple[str, float, float]] = []
    w, c = timed(lambda: build_aci(store_path=str(path), n_uncertainty=0))
    rows.append(("`aibridge aci build` (build_aci), no bands", w, c))
    w, c = timed(lambda: build_aci(store_path=str(path), n_uncertainty=200, year=2022))
    rows.append(("`aibridge aci build --year 2022`, 200 replications", w, c))

    store = Store(path)
    app = create_app(
        Settings(env="test"),
        store=store,
        web=False,
        limits=Limits(rate_limit_per_minute=0, access_log=False, response_cache_bytes=0),
    )
    client = TestClient(app)

    def get(url: str) -> Any:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
        return r.json()

    def post(url: str, body: dict[str, Any]) -> Any:
        r = client.post(url, json=body)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
        return r.json()

    w, c = timed(lambda: get("/v1/frameworks/aci/results?node=aci&bands=false"))
    rows.append(("first `results` after an import: the build (no bands)", w, c))
    w, c = timed(lambda: get("/v1/frameworks/aci/results?node=aci"))
    rows.append(("first `results` with bands: + 2022 bands (200)", w, c))
    w, c = timed(lambda: get("/v1/frameworks/aci/results?node=aci&all_years=true"))
    rows.append(("`results?all_years=true`: + the other years' bands", w, c))

    def median(label: str, fn: Callable[[int], Any]) -> None:
        ws, cs = [], []
        for k in range(args.runs):
            w, c = timed(lambda k=k: fn(k))
            ws.append(w)
            cs.append(c)
        rows.append((label, statistics.median(ws), statistics.median(cs)))

    median(
        "`results?node=aci` (195 rows), built", lambda k: get("/v1/frameworks/aci/results?node=aci")
    )
    median(
        "`results` (every node, 13,455 rows), built", lambda k: get("/v1/frameworks/aci/results")
    )
    median(
        "`profiles/{iso3}` with bands, built",
        lambda k: get(f"/v1/frameworks/aci/profiles/{ECONOMIES[k % len(ECONOMIES)]}"),
    )
    median("`divide?by=income_group`", lambda k: get("/v1/frameworks/aci/divide?by=income_group"))
    median(
        "`POST scenarios`, bands 0",
        lambda k: post(
            "/v1/frameworks/aci/scenarios",
            {"economy": ECONOMIES[k % len(ECONOMIES)], "changes": {"internet_users": 60.0},
             "bands": 0},
        ),
    )  # fmt: skip
    median(
        "`POST scenarios`, bands 200 (default)",
        lambda k: post(
            "/v1/frameworks/aci/scenarios",
            {"economy": ECONOMIES[k % len(ECONOMIES)], "changes": {"internet_users": 60.0}},
        ),
    )
    median(
        "`POST paths` (target: 10 ranks up)",
        lambda k: post(
            "/v1/frameworks/aci/paths",
            {"economy": ECONOMIES[k % len(ECONOMIES)], "target": {"rank": 1 + 10 * (k % 9)}},
        ),
    )
    w, c = timed(lambda: get("/v1/frameworks/hdi/results?node=hdi&bands=true&year=2022"))
    rows.append(("HDI `results?bands=true&year=2022` (build + 200 replications)", w, c))
    store.close()

    print(f"{platform.node()} · Python {platform.python_version()} · {os.cpu_count()} CPUs · "
          f"load {os.getloadavg()[0]:.2f} · median of {args.runs} where repeated")  # fmt: skip
    print()
    print("| step | wall | CPU |")
    print("|---|---:|---:|")
    for label, w, c in rows:
        unit = (lambda x: f"{x * 1000:.0f} ms") if w < 1 else (lambda x: f"{x:.2f} s")
        print(f"| {label} | {unit(w)} | {unit(c)} |")


if __name__ == "__main__":
    main()
