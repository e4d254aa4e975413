"""YAML of mappings/ read once per process: the same files are read for every report, and
pure-Python YAML parsing was most of a synthetic report's extraction time."""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

import yaml


def safe_load(text: str) -> Any:
    """yaml.safe_load(text), parsed once per distinct text: each caller gets its own copy
    (it may change it), and a malformed text raises yaml.YAMLError every time."""
    return copy.deepcopy(_parsed(text))


@lru_cache(maxsize=16)
def _parsed(text: str) -> Any:
    return yaml.safe_load(text)
