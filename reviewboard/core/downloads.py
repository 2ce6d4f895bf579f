"""File downloads: always an attachment, never rendered by the browser (ASVS 5.4.1), under the file's own
name in any script (RFC 6266 with an RFC 5987 ``filename*``)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from pathlib import PurePath
from urllib.parse import quote

from flask import Response

# RFC 5987 attr-char: what may stand unescaped in ``filename*`` (Werkzeug's send_file uses the same set)
_ATTR_CHARS = "!#$&+-.^_`|~"


def attachment(data: bytes | Iterable[bytes], filename: str, mimetype: str = "application/octet-stream") -> Response:
    """``data``: the bytes, or an iterable of chunks for a streamed download."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@functools.lru_cache(maxsize=512)
def content_disposition(filename: str) -> str:
    """``attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded``.

    Browsers use ``filename*`` (the exact name, "分诊评估报告（第二版）.md"); the plain ``filename`` is for
    old clients. Werkzeug's send_file writes the same two parameters, but its fallback drops every character
    outside ASCII (a Chinese name becomes "（）.md" -> "().md" or nothing at all) and it refuses a name with
    a line break; here control characters go, and a fallback with no letters left keeps the extension.
    Remembered per name (the same record or file is downloaded again and again): working it out cost 20-40 us.
    """
    name = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in filename)
    name = " ".join(name.split()) or "download"
    fallback = _ascii_fallback(name)
    value = f'attachment; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}"
    return value


def _ascii_fallback(name: str) -> str:
    """The name in printable ASCII for a quoted-string: accents dropped ("Zoë" -> "Zoe"); other characters,
    quotes and backslashes become "_", so nothing can close the quoted string. A name left without a letter
    or digit (Chinese, Arabic...) becomes "download" with the extension."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(ch if ch.isascii() and ch not in '"\\' else "_" for ch in decomposed
                   if unicodedata.category(ch) != "Mn")
    kept = re.sub(r"_{2,}", "_", kept)
    if not re.search(r"[A-Za-z0-9]", PurePath(kept).stem):
        suffix = PurePath(kept).suffix
        return "download" + (suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix) else "")
    return kept
