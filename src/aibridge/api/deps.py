"""FastAPI dependencies: the store (one DuckDB cursor per worker thread), the registry, the
authenticated actor, and the data version behind ETags.

DuckDB connections are not thread-safe and FastAPI runs sync routes in a thread pool, so each
worker thread reads through its own ``con.cursor()`` of the app's one connection (cursors share
the database, including an in-memory one).
"""

from __future__ import annotations

import copy
import hashlib
import threading
import time
from pathlib import Path
from typing import Annotated, Any, Final, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from aibridge.errors import AuthenticationFailed
from aibridge.registry.auth import Actor
from aibridge.registry.service import Registry
from aibridge.store import Store

__all__ = [
    "ActorDep",
    "DataVersion",
    "RegistryDep",
    "StoreDep",
    "frameworks_hash",
    "get_actor",
    "get_registry",
    "get_store",
    "thread_store",
]

_local = threading.local()


def thread_store(store: Store) -> Store:
    """A view of ``store`` whose connection is this thread's own cursor (cached per thread)."""
    views: dict[int, tuple[Any, Store]] = getattr(_local, "views", None) or {}
    _local.views = views
    hit = views.get(id(store))
    if hit is not None and hit[0] is store.con:
        return hit[1]
    view = copy.copy(store)
    view.con = store.con.cursor()
    views[id(store)] = (store.con, view)
    return view


def app_store(app: Any) -> Store:
    """The app's store (``app.state.store``), opened from the settings on first use."""
    state = app.state
    store = getattr(state, "store", None)
    if store is None:
        with _open_lock:
            store = getattr(state, "store", None)
            if store is None:
                store = Store.open(settings=getattr(state, "settings", None))
                state.store = store
    return store


_open_lock = threading.Lock()


class _PerThreadStore:
    """Resolves to the *calling* thread's view on every attribute access.

    FastAPI may solve a sync dependency in one pool thread and run the route in another, so
    a view bound when the dependency ran could be shared by two threads at once (DuckDB then
    refuses: "connection is busy"). Binding at each access avoids that.
    """

    __slots__ = ("_store",)

    def __init__(self, store: Store):
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(thread_store(self._store), name)


def get_store(request: Request) -> Store:
    return cast(Store, _PerThreadStore(app_store(request.app)))


def get_registry(request: Request) -> Registry:
    """The app's registry (``app.state.registry``), created from the settings on first use."""
    state = request.app.state
    registry = getattr(state, "registry", None)
    if registry is None:
        with _open_lock:
            registry = getattr(state, "registry", None)
            if registry is None:
                settings = getattr(state, "settings", None)
                registry = Registry(settings.registry_database_url if settings else None)
                state.registry = registry
    return registry


_bearer = HTTPBearer(
    auto_error=False,
    description="An API token of the cooperation registry "
    "(`aibridge registry token create ACCOUNT`).",
)


def get_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The account behind the bearer token (401 when missing or invalid)."""
    if credentials is None:
        if request.headers.get("authorization"):
            raise AuthenticationFailed(
                "the Authorization header must be 'Bearer <token>' with an aibridge API token"
            )
        raise AuthenticationFailed(
            "this route needs an API token: send 'Authorization: Bearer <token>' "
            "(create one with `aibridge registry token create ACCOUNT`)"
        )
    token = credentials.credentials.strip()
    if len(token) > 200:
        raise AuthenticationFailed("unknown API token")
    try:
        return get_registry(request).authenticate(token)
    except (ValueError, TypeError) as exc:  # malformed token text
        raise AuthenticationFailed(f"malformed API token: {exc}") from exc


StoreDep = Annotated[Store, Depends(get_store)]
RegistryDep = Annotated[Registry, Depends(get_registry)]
ActorDep = Annotated[Actor, Depends(get_actor)]


# -- data version (ETags) ---------------------------------------------------------------------

_FRAMEWORKS_DIR: Final = Path(__file__).resolve().parents[1] / "frameworks" / "builtin"


def frameworks_hash() -> str:
    """sha256 over the built-in framework files (names and bytes), re-read when they change."""
    files = sorted(_FRAMEWORKS_DIR.glob("*.y*ml"))
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    cached = _fw_cache.get("stamp")
    if cached == stamp:
        return str(_fw_cache["hash"])
    digest = hashlib.sha256()
    for p in files:
        digest.update(p.name.encode())
        digest.update(p.read_bytes())
    _fw_cache.update(stamp=stamp, hash=digest.hexdigest()[:16])
    return str(_fw_cache["hash"])


_fw_cache: dict[str, Any] = {}


class DataVersion:
    """The version of everything a read route answers from: the store's origins and vintages
    (an import anywhere adds an origin) plus the framework files' hash.

    Checked at most every ``ttl`` seconds (one cheap query), so a 304 may lag an import made
    by another process by up to ``ttl``.
    """

    def __init__(self, app: Any, ttl: float = 1.0):
        self.app = app
        self.ttl = ttl
        self._value = ""
        self._at = -1e9
        self._lock = threading.Lock()

    def __call__(self) -> str:
        now = time.monotonic()
        if now - self._at < self.ttl and self._value:
            return self._value
        with self._lock:
            store = thread_store(app_store(self.app))
            row = store.con.execute(
                "SELECT count(*), coalesce(max(origin_id), 0), "
                "(SELECT coalesce(max(label), '') FROM vintages), "
                "(SELECT count(*) FROM vintages) FROM origins"
            ).fetchall()[0]
            self._value = f"{row[0]}.{row[1]}.{row[2]}.{row[3]}.{frameworks_hash()}"
            self._at = now
            return self._value

    def invalidate(self) -> None:
        self._at = -1e9
