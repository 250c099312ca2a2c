"""Helpers shared by the test suites (``tests/`` is on ``sys.path`` through its conftest):
``support.data`` builds small store batches, ``support.registry`` seeds a SQLite registry.
Imported by ``tests/api/api_support.py`` and ``tests/web/webtest_support.py``."""
