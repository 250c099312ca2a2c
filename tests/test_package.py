from typer.testing import CliRunner

import aibridge
from aibridge.cli.main import app
from aibridge.errors import AibridgeError, NotFoundError, SourceFormatError


def test_version_command() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert aibridge.__version__ in result.output


def test_error_hierarchy_roots() -> None:
    assert issubclass(NotFoundError, AibridgeError)
    assert str(NotFoundError("no economy 'XXX'")) == "no economy 'XXX'"
    err = SourceFormatError("not a number: 'abc'", path="f.csv", line=3, column="1999")
    assert str(err) == "f.csv, line 3, column '1999': not a number: 'abc'"
