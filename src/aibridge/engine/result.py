"""The result of a build: every stage kept, scores and ranks for every node, exports."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from aibridge.engine._arrays import FloatArray
from aibridge.engine.screen import REASONS, ScreenResult
from aibridge.engine.spec import IndexSpec, Tree
from aibridge.engine.treat import TREATED_CODES, TreatResult
from aibridge.errors import DataError, SpecError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from aibridge.sources._base import Batch

__all__ = ["IndexResult"]

TIDY_COLUMNS = (
    "economy",
    "economy_name",
    "year",
    "node",
    "node_name",
    "level",
    "score",
    "rank",
    "raw_value",
    "coverage",
    "imputed_share",
    "included",
)


@dataclass(frozen=True)
class IndexResult:
    """Scores ``(n_year, n_econ, n_nodes)`` and ranks for every tree column, plus stages.

    ``stages`` maps ``raw``, ``denominated``, ``imputed``, ``screened``, ``treated``,
    ``normalised`` (those that ran) to ``(n_year, n_econ, n_indicators)`` tables.
    ``imputed`` flags imputed cells; ``included`` flags economies kept by screening.
    """

    spec: IndexSpec
    tree: Tree
    years: tuple[int, ...]
    economies: tuple[str, ...]
    scores: FloatArray
    ranks: FloatArray
    stages: Mapping[str, FloatArray]
    imputed: npt.NDArray[np.bool_]
    included: npt.NDArray[np.bool_]
    weights: FloatArray
    screen_report: ScreenResult | None = None
    treat_report: TreatResult | None = None
    vintage: str | None = None
    economy_names: Mapping[str, str] = field(default_factory=dict)

    # -- access --------------------------------------------------------------------------
    @property
    def codes(self) -> tuple[str, ...]:
        return self.tree.codes

    def _year(self, year: int | None) -> int:
        if year is None:
            return len(self.years) - 1
        try:
            return self.years.index(year)
        except ValueError:
            raise DataError(f"year {year} was not built; built years: {list(self.years)}") from None

    def score(self, node: str, year: int | None = None) -> FloatArray:
        """Scores of one node for one year (default the latest), one per economy."""
        return self.scores[self._year(year), :, self.tree.index(node)]

    def rank(self, node: str, year: int | None = None) -> FloatArray:
        return self.ranks[self._year(year), :, self.tree.index(node)]

    def coverage(self) -> FloatArray:
        """Share of each node's indicators present in the raw data, ``(year, econ, node)``."""
        present = ~np.isnan(self.stages["raw"])
        return self._node_share(present)

    def imputed_share(self) -> FloatArray:
        """Share of each node's indicators that were imputed, ``(year, econ, node)``."""
        return self._node_share(self.imputed)

    def _node_share(self, mask: npt.NDArray[np.bool_]) -> FloatArray:
        out = np.empty((*mask.shape[:-1], len(self.tree.codes)))
        m = mask.astype(np.float64)
        for k in range(len(self.tree.codes)):
            out[..., k] = m[..., self.tree.descendants(k)].mean(axis=-1)
        return out

    def digest(self) -> str:
        """sha256 of the scores and ranks (bit-level determinism checks)."""
        h = hashlib.sha256()
        h.update(np.ascontiguousarray(self.scores).tobytes())
        h.update(np.ascontiguousarray(self.ranks).tobytes())
        return h.hexdigest()

    # -- tidy exports -------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Tidy rows: one per (economy, year, node) with score, rank, coverage, imputation."""
        import pandas as pd

        n_y, n_e, n_n = self.scores.shape
        yy, ee, nn = np.meshgrid(np.arange(n_y), np.arange(n_e), np.arange(n_n), indexing="ij")
        raw = np.full(self.scores.shape, np.nan)
        raw[..., : self.tree.n_indicators] = self.stages["raw"]
        econ = np.array(self.economies, dtype=object)
        codes = np.array(self.tree.codes, dtype=object)
        names = np.array([n or c for n, c in zip(self.tree.names, self.tree.codes, strict=True)],
                         dtype=object)  # fmt: skip
        df = pd.DataFrame(
            {
                "economy": econ[ee.ravel()],
                "economy_name": [self.economy_names.get(e, e) for e in econ[ee.ravel()]],
                "year": np.asarray(self.years, dtype=np.int64)[yy.ravel()],
                "node": codes[nn.ravel()],
                "node_name": names[nn.ravel()],
                "level": self.tree.levels[nn.ravel()],
                "score": self.scores.ravel(),
                "rank": pd.array(
                    np.where(np.isnan(self.ranks), -1, self.ranks).astype(np.int64).ravel(),
                    dtype="Int64",
                ),
                "raw_value": raw.ravel(),
                "coverage": self.coverage().ravel(),
                "imputed_share": self.imputed_share().ravel(),
                "included": self.included[yy.ravel(), ee.ravel()],
            }
        )
        df.loc[df["rank"] < 0, "rank"] = pd.NA
        return df

    def stage_frame(self, stage: str) -> pd.DataFrame:
        """One intermediate table in wide form: rows (year, economy), indicator columns."""
        import pandas as pd

        if stage not in self.stages:
            raise SpecError(f"no stage {stage!r}; this build kept {sorted(self.stages)}")
        arr = self.stages[stage]
        n_y, n_e, _ = arr.shape
        idx = pd.MultiIndex.from_product([self.years, self.economies], names=["year", "economy"])
        return pd.DataFrame(
            arr.reshape(n_y * n_e, -1), index=idx, columns=list(self.spec.indicator_codes)
        )

    def treatment_frame(self) -> pd.DataFrame:
        """What outlier treatment changed, per year and indicator."""
        import pandas as pd

        t = self.treat_report
        if t is None:
            return pd.DataFrame(columns=["year", "indicator"])
        rows = []
        for y, year in enumerate(self.years):
            for j, code in enumerate(self.spec.indicator_codes):
                pts = t.points[y, :, j]
                rows.append(
                    {
                        "year": year,
                        "indicator": code,
                        "skew_before": t.skew_before[y, j],
                        "kurt_before": t.kurt_before[y, j],
                        "n_winsorised": int(t.n_winsorised[y, j]),
                        "transformed": bool(t.transformed[y, j]),
                        "skew_after": t.skew_after[y, j],
                        "kurt_after": t.kurt_after[y, j],
                        "passed": bool(t.passed[y, j]),
                        "points": ", ".join(
                            f"{self.economies[i]}:{TREATED_CODES[int(pts[i])]}"
                            for i in np.flatnonzero(pts)
                        ),
                    }
                )
        return pd.DataFrame(rows)

    def screening_frame(self) -> pd.DataFrame:
        """Why each economy was kept or excluded, per year."""
        import pandas as pd

        s = self.screen_report
        rows = []
        for y, year in enumerate(self.years):
            for i, econ in enumerate(self.economies):
                rows.append(
                    {
                        "year": year,
                        "economy": econ,
                        "included": bool(self.included[y, i]),
                        "availability": None if s is None else float(s.availability[y, i]),
                        "n_missing": None if s is None else int(s.n_missing[y, i]),
                        "reason": "kept" if s is None else REASONS[int(s.reason[y, i])],
                    }
                )
        return pd.DataFrame(rows)

    def write(self, path: str | Path) -> Path:
        """Write the tidy table to ``.csv`` or ``.parquet`` (chosen by the suffix)."""
        p = Path(path)
        df = self.to_frame()
        if p.suffix.lower() == ".csv":
            df.to_csv(p, index=False, float_format="%.17g")
        elif p.suffix.lower() in (".parquet", ".pq"):
            df.to_parquet(p, index=False)
        else:
            raise SpecError(f"output must end in .csv or .parquet; got {p.name!r}")
        return p

    # -- back into the store ------------------------------------------------------------
    def provenance(self) -> dict[str, Any]:
        """Framework hash + data vintage: what a derived dataset records about itself."""
        return {
            "framework": self.spec.name,
            "framework_sha256": self.spec.digest(),
            "data_vintage": self.vintage,
            "result_sha256": self.digest(),
            "years": list(self.years),
        }

    def to_batch(self, *, prefix: str = "IDX") -> Batch:
        """The scores as a store :class:`~aibridge.sources._base.Batch` (derived dataset).

        Indicator codes are ``IDX.<framework>.<node>``; an observation whose node involved
        imputed data carries flag ``"I"``. The origin's ``sha256`` is the framework hash and
        its ``vintage`` is ``"<framework hash[:12]>@<data vintage>"``.
        """
        import pyarrow as pa

        from aibridge.sources._base import Batch, Origin, indicator_table

        slug = re.sub(r"[^A-Za-z0-9_]+", "_", self.spec.name).strip("_") or "index"
        prov = self.provenance()
        df = self.to_frame()
        df = df[df["score"].notna()]
        codes = [f"{prefix}.{slug}.{n}" for n in df["node"]]
        obs = pa.table(
            {
                "economy": pa.array(df["economy"].astype(str).tolist(), pa.string()),
                "indicator": pa.array(codes, pa.string()),
                "year": pa.array(df["year"].astype(int).tolist(), pa.int16()),
                "value": pa.array(df["score"].astype(float).tolist(), pa.float64()),
                "flag": pa.array(
                    ["I" if s > 0 else None for s in df["imputed_share"]], pa.string()
                ),
            }
        )
        meta = indicator_table(
            [
                {
                    "code": f"{prefix}.{slug}.{code}",
                    "name": f"{self.spec.name}: {name or code}",
                    "unit": "score",
                    "description": f"level {lvl} of {self.spec.name}; framework sha256 "
                    f"{prov['framework_sha256']}; data vintage {self.vintage}",
                    "topic": "composite index",
                    "direction": 1,
                    "licence": None,
                    "source": "aibridge composite-index engine",
                }
                for code, name, lvl in zip(
                    self.tree.codes, self.tree.names, self.tree.levels, strict=True
                )
            ]
        )
        origin = Origin(
            source_id="aibridge-index",
            uri=f"aibridge:index/{slug}",
            sha256=prov["framework_sha256"],
            vintage=f"{prov['framework_sha256'][:12]}@{self.vintage or 'unknown'}",
            title=f"{self.spec.name} (derived)",
            publisher="aibridge",
        )
        return Batch(origin=origin, observations=obs, indicators=meta)
