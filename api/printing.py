"""Printable pages over HTTP (the register, the joint report, the QR sheet): the data is
gathered on a pooled connection that goes back to the pool before the page is drawn or
printed, so a slow print never holds a connection. At most ``CIVGEO_PRINT_SLOTS`` prints
run at once; the others wait on the event loop (``app.state.print_limiter``), not in a
worker thread the other routes need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import borrow
from api.geojson import json_response

T = TypeVar("T")
# What a printable route answers, by its ``format``: for its ``responses``.
PRINTED = {200: {"description": "the page (html), the printed PDF (pdf) or the data (json)",
                 "content": {"text/html": {}, "application/json": {},
                             "application/pdf": {"schema": {"type": "string",
                                                            "format": "binary"}}}}}


async def printable(request: Request, gather: Callable[[Any], T], *, format: str,
                    html: Callable[[T], str], pdf: Callable[[T], bytes],
                    filename: str) -> Response:
    """``gather(conn)`` on a borrowed connection, then the page as ``format``: html, pdf
    (shown inline, saved as ``filename``.pdf) or json (the gathered data)."""
    async with borrow(request) as conn:
        data = await run_in_threadpool(gather, conn)
    if format == "json":
        return json_response(data)
    if format == "pdf":
        printed = await anyio.to_thread.run_sync(pdf, data,
                                                 limiter=request.app.state.print_limiter)
        return Response(printed, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'})
    return HTMLResponse(await run_in_threadpool(html, data))
