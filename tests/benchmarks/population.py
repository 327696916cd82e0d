"""Population grids (issue 20): importing WorldPop's ten 100 m rasters of Wuhan's people
aged 60+ (2.8 M cells each) into the database, against reading them alone (the floor the
import cannot beat), in the same run; each import rolled back.

``python -m tests.benchmarks.population [DBNAME]`` runs it alone (default ``civgeo``)."""

from __future__ import annotations

import statistics
import time

from fixtures import sources
from geo import population
from geo.db import connect

FOLDER = "population/wuhan-worldpop-elderly-100m"


def run(url: str, runs: int = 3) -> None:
    files = sorted((sources.shared_data_dir() / FOLDER).glob("*.tif"))
    if not files:
        raise SystemExit(f"no rasters in {sources.shared_data_dir() / FOLDER}")
    reads, imports = [], []
    conn = connect(url)
    for _ in range(runs):
        started = time.perf_counter()
        population.read(files)
        reads.append(time.perf_counter() - started)
        started = time.perf_counter()
        done = population.import_grid(conn, files, dataset="bench-worldpop", division="420100")
        imports.append(time.perf_counter() - started)
        conn.rollback()
    conn.close()
    imp, read = statistics.median(imports), statistics.median(reads)
    print(f"population  import of {len(files)} WorldPop rasters of Wuhan (60+): "
          f"{done['cells']:,} populated cells in {imp:.1f} s (target 10 s: "
          f"{'met' if imp <= 10 else 'NOT met'}); reading them alone {read:.1f} s "
          f"({imp / read:.1f}× the read); grid {done['people_raw']:,} people, "
          f"{done['people']:,} scaled to the 2020 census of its 12 counties")


def main() -> None:
    import sys

    from tests.conftest import url_for

    run(url_for(sys.argv[1] if len(sys.argv) > 1 else "civgeo"))


if __name__ == "__main__":
    main()
