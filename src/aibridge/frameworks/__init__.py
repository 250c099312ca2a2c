"""aibridge.frameworks — composite-index frameworks as data (YAML + Pydantic); no maths."""

from aibridge.frameworks.loader import load_framework, load_panel, parse_framework
from aibridge.frameworks.schema import Framework

__all__ = ["Framework", "load_framework", "load_panel", "parse_framework"]
