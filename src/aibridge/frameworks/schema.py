"""Framework files: a declarative YAML description of a composite index, validated by Pydantic.

A framework is a tree of indicators -> (sub-)pillars -> index plus the pipeline recipe and
where its data come from. No maths here: :meth:`Framework.to_spec` turns it into an
:class:`aibridge.engine.spec.IndexSpec`, which the engine runs.

```yaml
name: Human Development Index
data:                         # either a loader ...
  loader: loader.py:load_panel      # file next to the YAML, or a dotted module path
  args: {}
# data: {store: {years: [2010, 2022], groups: [income_group]}}   # ... or the indicator store
pipeline:
  stages: [denominate, screen, impute, treat, normalise, aggregate]
  screen: {method: byNA, dat_thresh: 0.9}
  impute: {method: group_mean, group: income_group}
  treat: {method: coinr, winmax: 5}
  normalise: {method: minmax, low: 0, high: 100}
  aggregate: {method: arith_mean}
  weights: {method: explicit}
indicators:
  - {code: le, source: HDR.le, parent: health, direction: 1, goalposts: [20, 85]}
nodes:
  - {code: health, parent: hdi}
  - {code: hdi, aggregate: {method: geom_mean}}
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from aibridge.engine.aggregate import AGGREGATORS
from aibridge.engine.impute import IMPUTERS
from aibridge.engine.normalise import NORMALISERS
from aibridge.engine.screen import UNIT_SCREENS
from aibridge.engine.spec import (
    DEFAULT_STAGES,
    IndexSpec,
    IndicatorSpec,
    NodeSpec,
    Step,
    compile_tree,
)
from aibridge.engine.treat import TREATMENTS
from aibridge.engine.weight import WEIGHTINGS

__all__ = [
    "DataSource",
    "Framework",
    "IndicatorModel",
    "NodeModel",
    "Pipeline",
    "StepModel",
    "StoreData",
]


class StepModel(BaseModel):
    """A method by registry id; every other key is a parameter of that method."""

    model_config = ConfigDict(extra="allow", frozen=True)
    method: str

    def to_step(self) -> Step:
        return Step(self.method, dict(self.model_extra or {}))


def _check_method(step: StepModel | None, registry: Any, what: str) -> StepModel | None:
    if step is not None and step.method not in registry:
        raise ValueError(f"unknown {what} method {step.method!r}; choose one of {sorted(registry)}")
    return step


class IndicatorModel(BaseModel):
    """One indicator. ``direction`` is required: +1 higher is better, -1 lower is better."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(min_length=1)
    parent: str = Field(min_length=1)
    direction: Literal[1, -1]
    weight: float = 1.0
    name: str | None = None
    source: str | None = Field(default=None, description="code in the data; default `code`")
    unit: str | None = None
    denominator: str | None = None
    denominator_scale: float = 1.0
    goalposts: tuple[float, float] | None = None
    log: bool = False
    target: float | None = None
    normalise: StepModel | None = None
    treat: bool = True

    @field_validator("weight")
    @classmethod
    def _weight(cls, v: float) -> float:
        if not v >= 0:
            raise ValueError(f"weight must be a non-negative number; got {v}")
        return v

    @field_validator("goalposts")
    @classmethod
    def _posts(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not v[0] < v[1]:
            raise ValueError(f"goalposts must be [low, high] with low < high; got {list(v)}")
        return v

    @field_validator("normalise")
    @classmethod
    def _norm(cls, v: StepModel | None) -> StepModel | None:
        return _check_method(v, NORMALISERS, "normalisation")


class NodeModel(BaseModel):
    """An aggregate node; exactly one node (the index) has no parent."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(min_length=1)
    parent: str | None = None
    weight: float = 1.0
    name: str | None = None
    aggregate: StepModel | None = None

    @field_validator("weight")
    @classmethod
    def _weight(cls, v: float) -> float:
        if not v >= 0:
            raise ValueError(f"weight must be a non-negative number; got {v}")
        return v

    @field_validator("aggregate")
    @classmethod
    def _agg(cls, v: StepModel | None) -> StepModel | None:
        return _check_method(v, AGGREGATORS, "aggregation")


class Pipeline(BaseModel):
    """Stage order and the method of each stage (defaults: OECD/JRC order, no imputation,
    no treatment, min-max 0-100, weighted arithmetic mean, explicit weights)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    stages: tuple[str, ...] = DEFAULT_STAGES
    screen: StepModel = StepModel(method="none")
    impute: StepModel = StepModel(method="none")
    treat: StepModel = StepModel(method="none")
    normalise: StepModel = StepModel(method="minmax", low=0.0, high=100.0)
    aggregate: StepModel = StepModel(method="arith_mean")
    weights: StepModel = StepModel(method="explicit")

    @model_validator(mode="after")
    def _methods(self) -> Pipeline:
        unknown = [s for s in self.stages if s not in DEFAULT_STAGES]
        if unknown:
            raise ValueError(f"unknown stage(s) {unknown}; stages are {list(DEFAULT_STAGES)}")
        if self.screen.method not in UNIT_SCREENS:
            raise ValueError(
                f"unknown screen method {self.screen.method!r}; choose one of {list(UNIT_SCREENS)}"
            )
        _check_method(self.impute, IMPUTERS, "imputation")
        _check_method(self.treat, TREATMENTS, "treatment")
        _check_method(self.normalise, NORMALISERS, "normalisation")
        _check_method(self.aggregate, AGGREGATORS, "aggregation")
        _check_method(self.weights, WEIGHTINGS, "weighting")
        return self


class StoreData(BaseModel):
    """Load the indicators (by their ``source`` codes) from the indicator store."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str | None = Field(default=None, description="DuckDB file; default the user store")
    economies: list[str] | None = None
    years: tuple[int, int] | list[int] | None = None
    as_of: str | None = None
    groups: list[str] = Field(
        default_factory=list, description="economy-table columns to use as groups"
    )


class DataSource(BaseModel):
    """Where the data come from: a loader function or the indicator store."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    loader: str | None = Field(default=None, description="'module:function' or 'file.py:function'")
    args: dict[str, Any] = Field(default_factory=dict)
    store: StoreData | None = None

    @model_validator(mode="after")
    def _one(self) -> DataSource:
        if (self.loader is None) == (self.store is None):
            raise ValueError("data needs exactly one of 'loader' or 'store'")
        if self.loader is not None and ":" not in self.loader:
            raise ValueError(f"loader must be 'module:function'; got {self.loader!r}")
        return self


class Framework(BaseModel):
    """A whole framework file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    version: str | None = None
    description: str | None = None
    source: str | None = Field(default=None, description="citation of the method")
    data: DataSource | None = None
    pipeline: Pipeline = Pipeline()
    indicators: list[IndicatorModel] = Field(min_length=1)
    nodes: list[NodeModel] = Field(min_length=1)
    _path: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _tree(self) -> Framework:
        # compile_tree raises SpecError (a ValueError) naming cycles, unknown parents,
        # empty nodes, duplicate codes and all-zero weights.
        compile_tree(self.to_spec())
        return self

    def source_codes(self) -> dict[str, str]:
        """Indicator code -> code of the series in the data."""
        return {i.code: i.source or i.code for i in self.indicators}

    def to_spec(self) -> IndexSpec:
        """The engine recipe for this framework."""
        p = self.pipeline
        return IndexSpec(
            name=self.name,
            indicators=tuple(
                IndicatorSpec(
                    code=i.code,
                    parent=i.parent,
                    direction=i.direction,
                    weight=i.weight,
                    name=i.name,
                    denominator=i.denominator,
                    denominator_scale=i.denominator_scale,
                    goalposts=i.goalposts,
                    log=i.log,
                    target=i.target,
                    normalise=i.normalise.to_step() if i.normalise else None,
                    treat=i.treat,
                )
                for i in self.indicators
            ),
            nodes=tuple(
                NodeSpec(
                    code=n.code,
                    parent=n.parent,
                    weight=n.weight,
                    name=n.name,
                    aggregate=n.aggregate.to_step() if n.aggregate else None,
                )
                for n in self.nodes
            ),
            stages=p.stages,
            screen=p.screen.to_step(),
            impute=p.impute.to_step(),
            treat=p.treat.to_step(),
            normalise=p.normalise.to_step(),
            aggregate=p.aggregate.to_step(),
            weights=p.weights.to_step(),
        )
