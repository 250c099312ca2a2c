"""Read a framework YAML file and load the data it names."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError

from aibridge.engine.spec import Panel
from aibridge.errors import DataError, SpecError
from aibridge.frameworks.schema import Framework

__all__ = ["load_framework", "load_panel", "parse_framework"]

BUILTIN_DIR = Path(__file__).parent / "builtin"


def _format_errors(exc: ValidationError, where: str) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "is required but missing"
        parts.append(f"{loc}: {msg}")
    return f"invalid framework {where}: " + "; ".join(parts)


def parse_framework(data: Any, *, where: str = "(mapping)") -> Framework:
    """Validate a framework given as a mapping (parsed YAML)."""
    if not isinstance(data, dict):
        raise SpecError(f"invalid framework {where}: the file must hold a mapping at top level")
    try:
        return Framework.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_format_errors(exc, where)) from None


def resolve_framework_path(path: str | Path) -> Path:
    """A path, or the name of a built-in framework (``hdi``)."""
    p = Path(path)
    if p.exists():
        return p
    builtin = BUILTIN_DIR / f"{path}.yaml"
    if builtin.exists():
        return builtin
    raise SpecError(f"framework file {str(path)!r} not found (and no built-in of that name)")


def load_framework(path: str | Path) -> Framework:
    """Read and validate a framework YAML file; errors name the file and the bad field."""
    p = resolve_framework_path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(f"{p}: not valid YAML: {exc}") from None
    fw = parse_framework(data, where=str(p))
    fw._path = p.resolve()  # remembered for relative loader paths
    return fw


def _framework_dir(fw: Framework) -> Path:
    return fw._path.parent if fw._path is not None else Path.cwd()


def _import_loader(spec: str, base: Path) -> Any:
    target, _, func = spec.rpartition(":")
    if target.endswith(".py"):
        file = (base / target).resolve()
        if not file.exists():
            raise SpecError(f"loader file {file} not found")
        modname = f"_aibridge_loader_{abs(hash(str(file)))}"
        mod_spec = importlib.util.spec_from_file_location(modname, file)
        if mod_spec is None or mod_spec.loader is None:
            raise SpecError(f"cannot import loader file {file}")
        module = importlib.util.module_from_spec(mod_spec)
        sys.modules[modname] = module
        mod_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise SpecError(f"cannot import loader module {target!r}: {exc}") from None
    fn = getattr(module, func, None)
    if fn is None:
        raise SpecError(f"loader {spec!r}: no function {func!r} in {target!r}")
    return fn


def load_panel(fw: Framework, *, store_path: str | None = None, store: Any = None) -> Panel:
    """Load the panel a framework names, with its indicators renamed to framework codes.

    ``store``: an open :class:`~aibridge.store.Store` to read from (a server's connection);
    otherwise the store file ``store_path`` (default: the framework's ``data.store.path``)."""
    if fw.data is None:
        raise SpecError(f"framework {fw.name!r} names no data (add a 'data:' section)")
    src = fw.source_codes()
    denoms = sorted({i.denominator for i in fw.indicators if i.denominator})
    wanted = list(dict.fromkeys([*src.values(), *denoms]))
    if fw.data.loader is not None:
        fn = _import_loader(fw.data.loader, _framework_dir(fw))
        panel = fn(**fw.data.args)
        if not isinstance(panel, Panel):
            raise SpecError(f"loader {fw.data.loader!r} must return an aibridge.engine.Panel")
    else:
        from aibridge.store import Store

        sd = fw.data.store
        assert sd is not None
        if store is None:
            store = Store.open(store_path or sd.path, read_only=True)
        years: Any = tuple(sd.years) if isinstance(sd.years, tuple) else sd.years
        vals, yrs, econs, inds = store.panel(wanted, sd.economies, years, as_of=sd.as_of)
        groups: dict[str, tuple[Any, ...]] = {}
        if sd.groups:
            table = store.economies(include_aggregates=True).set_index("iso3")
            for g in sd.groups:
                if g not in table.columns:
                    raise SpecError(f"store economies have no column {g!r} to group by")
                groups[g] = tuple(None if e not in table.index else table.at[e, g] for e in econs)
        names = {}
        if "name" in store.economies(include_aggregates=True).columns:
            t = store.economies(include_aggregates=True)
            names = dict(zip(t["iso3"], t["name"], strict=True))
        vintage = None
        try:
            v = store.vintages()
            vintage = ";".join(sorted({str(x) for x in v.get("vintage", [])}))[:200] or None
        except Exception:  # pragma: no cover - summaries are best effort
            vintage = None
        panel = Panel(
            np.asarray(vals, dtype=np.float64),
            tuple(int(y) for y in yrs),
            tuple(econs),
            tuple(inds),
            groups=groups,
            vintage=vintage,
            economy_names=names,
        )
    missing = [c for c in wanted if c not in panel.indicators]
    if missing:
        raise DataError(
            f"the data for {fw.name!r} lack {missing}; import them or fix the 'source' codes"
        )
    rename = {v: k for k, v in src.items()}
    return replace(panel, indicators=tuple(rename.get(c, c) for c in panel.indicators))
