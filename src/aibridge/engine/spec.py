"""The recipe of an index (``IndexSpec``), the data it runs on (``Panel``) and the compiled
framework tree (``Tree``). Plain frozen dataclasses: no YAML here (see
:mod:`aibridge.frameworks`, which validates a YAML file and produces an ``IndexSpec``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from aibridge.errors import ShapeError, SpecError

__all__ = [
    "DEFAULT_STAGES",
    "IndexSpec",
    "IndicatorSpec",
    "NodeSpec",
    "Panel",
    "Step",
    "Tree",
    "compile_tree",
]

#: Stage order of the OECD/JRC Handbook (2008) pipeline. COINr's ASEM example uses
#: ``("denominate", "impute", "screen", "treat", "normalise", "aggregate")``.
DEFAULT_STAGES: tuple[str, ...] = (
    "denominate",
    "screen",
    "impute",
    "treat",
    "normalise",
    "aggregate",
)
STAGE_NAMES = frozenset(DEFAULT_STAGES)


@dataclass(frozen=True)
class Step:
    """One method chosen by its registry id plus its parameters (COINr ``f_n``/``f_n_para``)."""

    method: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator (level 1 of the tree)."""

    code: str
    parent: str
    direction: int = 1
    weight: float = 1.0
    name: str | None = None
    denominator: str | None = None
    denominator_scale: float = 1.0
    goalposts: tuple[float, float] | None = None
    log: bool = False
    target: float | None = None
    normalise: Step | None = None
    treat: bool = True


@dataclass(frozen=True)
class NodeSpec:
    """An aggregate node (sub-pillar, pillar, sub-index, index); the root has no parent."""

    code: str
    parent: str | None = None
    weight: float = 1.0
    name: str | None = None
    aggregate: Step | None = None


@dataclass(frozen=True)
class IndexSpec:
    """The full recipe; replaying it on the same panel gives bit-identical results."""

    name: str
    indicators: tuple[IndicatorSpec, ...]
    nodes: tuple[NodeSpec, ...]
    stages: tuple[str, ...] = DEFAULT_STAGES
    screen: Step = Step("none")
    impute: Step = Step("none")
    treat: Step = Step("none")
    normalise: Step = Step("minmax", {"low": 0.0, "high": 100.0})
    aggregate: Step = Step("arith_mean")
    weights: Step = Step("explicit")

    def __post_init__(self) -> None:
        bad = [s for s in self.stages if s not in STAGE_NAMES]
        if bad:
            raise SpecError(f"unknown stage(s) {bad}; stages are {sorted(STAGE_NAMES)}")
        if len(set(self.stages)) != len(self.stages):
            raise SpecError(f"each stage may appear once; got {list(self.stages)}")
        st = self.stages
        if (
            "normalise" in st
            and "aggregate" in st
            and st.index("normalise") > st.index("aggregate")
        ):
            raise SpecError("normalise must come before aggregate")

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.indicators)

    @property
    def denominator_codes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for i in self.indicators:
            if i.denominator:
                seen.setdefault(i.denominator, None)
        return tuple(seen)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (used for the framework hash and replay)."""
        return json.loads(json.dumps(asdict(self), default=_json_default))

    def digest(self) -> str:
        """sha256 of the canonical JSON of the spec (the 'framework hash')."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Mapping):
        return dict(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


@dataclass(frozen=True)
class Panel:
    """Dense indicator data: ``values[year, economy, indicator]`` (NaN = missing).

    ``groups`` maps a grouping name (e.g. ``"income_group"``) to one label per economy
    (None = no group). ``imputed`` flags values already imputed at the source. ``vintage``
    labels the data release (it goes into the provenance of derived results).
    """

    values: npt.NDArray[np.float64]
    years: tuple[int, ...]
    economies: tuple[str, ...]
    indicators: tuple[str, ...]
    groups: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    imputed: npt.NDArray[np.bool_] | None = None
    vintage: str | None = None
    economy_names: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        v = np.asarray(self.values, dtype=np.float64)
        object.__setattr__(self, "values", v)
        shape = (len(self.years), len(self.economies), len(self.indicators))
        if v.shape != shape:
            raise ShapeError(
                f"panel values have shape {v.shape}; years x economies x indicators is {shape}"
            )
        for name, labels in self.groups.items():
            if len(labels) != len(self.economies):
                raise ShapeError(
                    f"group {name!r} has {len(labels)} labels for {len(self.economies)} economies"
                )
        if self.imputed is not None and np.shape(self.imputed) != shape:
            raise ShapeError("panel imputed flags must have the shape of the values")

    @classmethod
    def from_frame(
        cls,
        df: Any,
        *,
        economy: str = "economy",
        indicator: str = "indicator",
        year: str = "year",
        value: str = "value",
        groups: Mapping[str, Mapping[str, Any]] | None = None,
        vintage: str | None = None,
    ) -> Panel:
        """Build a panel from a long (tidy) pandas frame."""
        econs = tuple(sorted(map(str, df[economy].unique())))
        inds = tuple(dict.fromkeys(map(str, df[indicator])))
        yrs = tuple(sorted(int(y) for y in df[year].unique()))
        arr = np.full((len(yrs), len(econs), len(inds)), np.nan)
        ei = {e: i for i, e in enumerate(econs)}
        ii = {c: i for i, c in enumerate(inds)}
        yi = {y: i for i, y in enumerate(yrs)}
        for y, e, c, v in zip(df[year], df[economy], df[indicator], df[value], strict=True):
            arr[yi[int(y)], ei[str(e)], ii[str(c)]] = v
        grp = {
            name: tuple(mapping.get(e) for e in econs) for name, mapping in (groups or {}).items()
        }
        return cls(arr, yrs, econs, inds, groups=grp, vintage=vintage)


@dataclass(frozen=True)
class Tree:
    """The framework compiled to arrays. Columns: indicators first, then aggregates by level.

    ``codes[k]``, ``levels[k]`` (1 = indicator), ``parent[k]`` (index, -1 for the root),
    ``weights[k]`` (nominal weight within its parent), ``children[k]`` (indices),
    ``methods[k]`` (aggregation step of an aggregate node, None for indicators).
    """

    codes: tuple[str, ...]
    names: tuple[str | None, ...]
    levels: npt.NDArray[np.int64]
    parent: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float64]
    children: tuple[tuple[int, ...], ...]
    methods: tuple[Step | None, ...]
    n_indicators: int

    @property
    def max_level(self) -> int:
        return int(self.levels.max())

    @property
    def root(self) -> int:
        return int(np.flatnonzero(self.parent < 0)[0])

    def index(self, code: str) -> int:
        try:
            return self.codes.index(code)
        except ValueError:
            raise SpecError(f"unknown node {code!r}") from None

    def descendants(self, k: int) -> list[int]:
        """Indicator indices under node ``k`` (``[k]`` for an indicator)."""
        if k < self.n_indicators:
            return [k]
        out: list[int] = []
        for c in self.children[k]:
            out.extend(self.descendants(c))
        return out


def compile_tree(spec: IndexSpec) -> Tree:
    """Validate the framework tree and compile it. Raises :class:`SpecError` with the fix."""
    ind_codes = [i.code for i in spec.indicators]
    node_codes = [n.code for n in spec.nodes]
    dupes = sorted({c for c in ind_codes + node_codes if (ind_codes + node_codes).count(c) > 1})
    if dupes:
        raise SpecError(f"codes must be unique across indicators and nodes; repeated: {dupes}")
    if not spec.indicators:
        raise SpecError("a framework needs at least one indicator")
    nodes = {n.code: n for n in spec.nodes}
    for i in spec.indicators:
        if i.parent not in nodes:
            raise SpecError(
                f"indicator {i.code!r} has parent {i.parent!r}, which is not a node; "
                f"nodes are {sorted(nodes)}"
            )
        if i.direction not in (1, -1):
            raise SpecError(f"indicator {i.code!r}: direction must be 1 or -1; got {i.direction}")
    roots = [n.code for n in spec.nodes if n.parent is None]
    if len(roots) != 1:
        raise SpecError(f"the framework needs exactly one root node (no parent); found {roots}")
    for n in spec.nodes:
        if n.parent is not None and n.parent not in nodes:
            raise SpecError(f"node {n.code!r} has unknown parent {n.parent!r}")
    # cycles: walk up from every node
    for n in spec.nodes:
        seen = [n.code]
        cur = n.parent
        while cur is not None:
            if cur in seen:
                raise SpecError(f"the framework has a cycle: {' -> '.join([*seen, cur])}")
            seen.append(cur)
            cur = nodes[cur].parent
    kids: dict[str, list[str]] = {c: [] for c in nodes}
    for i in spec.indicators:
        kids[i.parent].append(i.code)
    for n in spec.nodes:
        if n.parent is not None:
            kids[n.parent].append(n.code)
    empty = sorted(c for c, k in kids.items() if not k)
    if empty:
        raise SpecError(f"node(s) {empty} have no children; remove them or attach indicators")
    level: dict[str, int] = {c: 1 for c in ind_codes}

    def lev(code: str) -> int:
        if code not in level:
            level[code] = 1 + max(lev(c) for c in kids[code])
        return level[code]

    for c in node_codes:
        lev(c)
    weights = {i.code: i.weight for i in spec.indicators} | {n.code: n.weight for n in spec.nodes}
    for parent, ch in kids.items():
        w = [weights[c] for c in ch]
        if any((not np.isfinite(x)) or x < 0 for x in w):
            raise SpecError(f"weights under {parent!r} must be non-negative numbers; got {w}")
        if sum(w) <= 0:
            raise SpecError(
                f"weights under {parent!r} are all zero; give at least one a weight > 0"
            )
    ordered_nodes = sorted(node_codes, key=lambda c: (level[c], node_codes.index(c)))
    codes = tuple(ind_codes + ordered_nodes)
    pos = {c: k for k, c in enumerate(codes)}
    parent_of = {i.code: i.parent for i in spec.indicators} | {n.code: n.parent for n in spec.nodes}
    names = tuple([i.name for i in spec.indicators] + [nodes[c].name for c in ordered_nodes])
    return Tree(
        codes=codes,
        names=names,
        levels=np.array([level[c] for c in codes], dtype=np.int64),
        parent=np.array(
            [pos[p] if (p := parent_of[c]) is not None else -1 for c in codes], dtype=np.int64
        ),
        weights=np.array([weights[c] for c in codes], dtype=np.float64),
        children=tuple(tuple(pos[k] for k in kids.get(c, [])) for c in codes),
        methods=tuple([None] * len(ind_codes) + [nodes[c].aggregate for c in ordered_nodes]),
        n_indicators=len(ind_codes),
    )
