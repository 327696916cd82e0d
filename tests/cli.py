"""The ``civgeo`` command run as a user would, in a child process, on a given database."""

import os
import subprocess
import sys


def civgeo(db_url: str, *args: str) -> subprocess.CompletedProcess:
    """``civgeo ARGS…`` with ``DATABASE_URL`` set to ``db_url``; output captured as text."""
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "api.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)
