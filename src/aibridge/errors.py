"""Every exception and warning aibridge raises.

One hierarchy, so callers can catch ``AibridgeError`` at an edge (CLI, API, web) and show
its message; messages say what was wrong and how to fix it.

```
AibridgeError
├── ConfigError                      # bad setting / environment
├── SourceError(source_id, url)      # a data source (file or API) failed
│   ├── SourceUnavailable            # network / missing file / timeout
│   └── SourceFormatError(ValueError)  # malformed file: names file, line, column
├── StoreError                       # the indicator store
│   ├── NotFoundError(KeyError)      # unknown economy / indicator / vintage / record
│   └── ImportRejected               # an import was refused; the store is unchanged
├── SpecError(ValueError)            # bad framework YAML / IndexSpec / perturbation spec
├── DataError(ValueError)            # data unfit for a computation
│   └── ShapeError                   # arrays of the wrong shape
├── NotFittedError(ValueError, AttributeError)
├── RegistryError                    # cooperation registry
│   ├── ValidationFailed(ValueError) # names field and rule
│   ├── PermissionDenied             # authenticated but not allowed
│   ├── AuthenticationFailed         # missing / bad token
│   └── ConflictError                # concurrent update lost / duplicate
└── IatiError(ValueError)            # IATI XML malformed, hostile or schema-invalid

AibridgeWarning(UserWarning)
```
"""

from __future__ import annotations

__all__ = [
    "AibridgeError",
    "AibridgeWarning",
    "AuthenticationFailed",
    "ConfigError",
    "ConflictError",
    "DataError",
    "IatiError",
    "ImportRejected",
    "NotFittedError",
    "NotFoundError",
    "PermissionDenied",
    "RegistryError",
    "ShapeError",
    "SourceError",
    "SourceFormatError",
    "SourceUnavailable",
    "SpecError",
    "StoreError",
    "ValidationFailed",
]


class AibridgeError(Exception):
    """Base class of every error aibridge raises on purpose."""


class AibridgeWarning(UserWarning):
    """Base class of aibridge's warnings."""


class ConfigError(AibridgeError):
    """A setting or the environment is wrong."""


class SourceError(AibridgeError):
    """A data source (file or web API) could not be read."""

    def __init__(self, message: str, *, source_id: str | None = None, url: str | None = None):
        super().__init__(message)
        self.source_id = source_id
        self.url = url


class SourceUnavailable(SourceError):
    """The source could not be reached (missing file, network error, timeout)."""


class SourceFormatError(SourceError, ValueError):
    """The source was reached but its content is malformed.

    ``path``, ``line`` and ``column`` locate the problem where known.
    """

    def __init__(
        self,
        message: str,
        *,
        source_id: str | None = None,
        url: str | None = None,
        path: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ):
        where = ", ".join(
            part
            for part in (
                path and f"{path}",
                line is not None and f"line {line}",
                column and f"column {column!r}",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message, source_id=source_id, url=url)
        self.path = path
        self.line = line
        self.column = column


class StoreError(AibridgeError):
    """The indicator store refused or failed an operation."""


class NotFoundError(StoreError, KeyError):
    """A requested economy, indicator, vintage or record does not exist."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class ImportRejected(StoreError):
    """An import was refused; the store is exactly as it was before."""


class SpecError(AibridgeError, ValueError):
    """A framework file, index spec or perturbation spec is invalid."""


class DataError(AibridgeError, ValueError):
    """Data are unfit for the requested computation."""


class ShapeError(DataError):
    """Arrays do not have the expected shape."""


class NotFittedError(AibridgeError, ValueError, AttributeError):
    """A fitted attribute was read before ``fit`` was called."""


class RegistryError(AibridgeError):
    """The cooperation registry refused or failed an operation."""


class ValidationFailed(RegistryError, ValueError):
    """Input failed validation; the message names the field and the rule."""

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None):
        super().__init__(message)
        self.field = field
        self.rule = rule


class PermissionDenied(RegistryError):
    """The caller is authenticated but its role does not allow this."""


class AuthenticationFailed(RegistryError):
    """No valid credentials were given."""


class ConflictError(RegistryError):
    """The write conflicts with another (duplicate key, stale version)."""


class IatiError(AibridgeError, ValueError):
    """IATI XML is malformed, hostile or does not validate against the schema."""
