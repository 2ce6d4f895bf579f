"""Shipped rules files (registration duties, incident rules, re-review rules): each published version is a file of
its own, ``data/<stem>-<version>.yaml`` in its capability's package, and never changes; a new version is a new
file, and what was recorded under an older one is still read with it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import resources
from typing import TypeVar

from reviewboard.core import yamlfiles
from reviewboard.core.errors import RulesFileError

T = TypeVar("T")


def version_file(stem: str, version: str) -> str:
    return f"{stem}-{version}.yaml"


def load_version(package: str, stem: str, filename: str, parse: Callable[[object], T], error: type[RulesFileError],
                 what: str, unversioned: Mapping[str, str] | None = None) -> T:
    """Parse the shipped ``data/<filename>`` of ``package``; raises ``error`` when it is not shipped, is malformed,
    or says another version than its name (``what`` names the file for people: "ruleset", "incident rules").
    ``unversioned`` maps a version published before files were named by version to its file's name."""
    data = resources.files(package).joinpath(f"data/{filename}")
    if not data.is_file():
        raise error([f"no {what} {filename} is shipped"])
    loaded = parse(yamlfiles.safe_load(data.read_text(encoding="utf-8")))
    if (unversioned or {}).get(loaded.version, version_file(stem, loaded.version)) != filename:
        raise error([f"{filename} says version {loaded.version}"])
    return loaded
