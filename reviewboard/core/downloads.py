"""File downloads: always an attachment, never rendered by the browser (ASVS 5.4.1)."""

from __future__ import annotations

from flask import Response


def attachment(data: bytes, filename: str, mimetype: str = "application/octet-stream") -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
