"""The build's process pool (build.build(workers=...)): the same graphs, results and errors
as a build in one process, and a failing report stops it before the store is touched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from poagraph import store
from poagraph.build import build
from poagraph.errors import BuildError, ReportError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("corpus")
    args = ["--scale", "3", "--seed", "5", "--out", str(out)]
    subprocess.run([sys.executable, "-m", "bench", "corpus", *args], cwd=ROOT, check=True)
    return sorted(out.glob("*.md"))


def nquads(path: Path) -> bytes:
    with store.reading(path) as db:
        return store.export(db, "nquads")


def summary(result) -> list[tuple]:
    return [(r.slug, r.graph, r.records, r.triples, r.warnings, r.notes) for r in result.reports]


def test_a_pool_builds_what_one_process_builds(reports: list[Path], tmp_path: Path) -> None:
    steps: dict[int, list[str]] = {1: [], 2: []}
    results = {
        n: build(
            reports,
            tmp_path / str(n),
            lambda d, _i, _t, n=n: steps[n].append(d.split(" to /")[0]),
            workers=n,
        )
        for n in (1, 2)
    }
    assert nquads(tmp_path / "1") == nquads(tmp_path / "2")
    assert results[1].fingerprint == results[2].fingerprint
    assert summary(results[1]) == summary(results[2])
    assert [r.slug for r in results[2].reports] == [p.stem for p in reports]
    assert steps[1] == steps[2]  # the same progress, in the same order
    assert len(steps[2]) == 1 + 4 * len(reports) + 1 + 1


def test_a_failing_report_in_the_pool_leaves_the_store_as_it_was(
    reports: list[Path], tmp_path: Path
) -> None:
    db = tmp_path / "store"
    build(reports[:1], db, workers=1)
    before = nquads(db)
    bad = tmp_path / "bad"
    bad.mkdir()
    for p in reports:
        shutil.copy(p, bad / p.name)
        shutil.copy(p.with_suffix(".yaml"), bad / p.with_suffix(".yaml").name)
    broken = bad / reports[1].name
    lines = broken.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[6] = "a NUL \x00 byte\n"
    broken.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        build(sorted(bad.glob("*.md")), db, workers=2)
    assert str(caught.value).startswith(f"{broken}:7: binary data")
    assert nquads(db) == before


def test_a_duplicate_slug_is_found_in_the_pool(reports: list[Path], tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="same slug"):
        build([reports[0], reports[1], reports[0]], tmp_path / "store", workers=2)
    assert not store.exists(tmp_path / "store")
