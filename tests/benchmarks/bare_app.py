"""The ceiling of the HTTP stack for ``tests/benchmarks/http.py``: one FastAPI route that
returns a constant JSON, served by uvicorn as `civgeo serve` serves the API."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/bare")
def bare() -> dict:
    return {"status": "ok", "service": "civgeo"}
