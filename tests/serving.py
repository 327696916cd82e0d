"""Run the API with uvicorn in a child process, for clients outside Python (GDAL, Chromium,
wrk)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def served(database_url: str, *extra_args: str, **env: str) -> Iterator[str]:
    """`civgeo serve` on a free port of 127.0.0.1; yields its base URL once it accepts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), *extra_args],
        # Test servers load no network graphs at start-up: a test that needs one loads it.
        env={**os.environ, "DATABASE_URL": database_url, "CIVGEO_WARM_GRAPH_EDGES": "0", **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
