"""Run the benchmarks: `python -m bench` (all) or `python -m bench build [endpoint ...]`;
`python -m bench corpus --scale N --seed S --out DIR` writes a synthetic corpus (bench/corpus.py);
`python -m bench suite [--scales 1,10,100]` is `make bench` (bench/suite.py).

A benchmark is bench/NAME.py with `run() -> None`; helper modules start with an underscore.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import bench

#: Run first when present, in this order; any other bench module follows alphabetically.
ORDER = ["build", "validate", "endpoint", "contributions"]
#: Modules that are commands with their own arguments, not benchmarks.
COMMANDS = {"corpus", "suite"}


def available() -> list[str]:
    found = [m.name for m in pkgutil.iter_modules([str(Path(bench.__file__).parent)])]
    found = [n for n in found if not n.startswith("_") and n not in COMMANDS]
    return [n for n in ORDER if n in found] + sorted(n for n in found if n not in ORDER)


def main(argv: list[str]) -> int:
    if argv[:1] == ["corpus"]:
        from bench.corpus import main as corpus

        return corpus(argv[1:])
    if argv[:1] == ["suite"]:
        from bench.suite import main as suite

        return suite(argv[1:])
    names = available()
    chosen = argv or names
    unknown = [n for n in chosen if n not in names]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; available: {', '.join(names)}")
        return 2
    status = 0
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "run"):  # helpers are named _x.py; anything else is a mistake
            print(f"bench/{name}.py has no run() function")
            status = 1
            continue
        bench.console.rule(f"bench {name}")
        module.run()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
