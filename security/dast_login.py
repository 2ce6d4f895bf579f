"""Sign a demo user in to a local ReviewBoard and print its session cookie as ``name=value``.

Usage: python security/dast_login.py BASE_URL EMAIL PASSWORD USER_AGENT
Standard library only. The same User-Agent must be used with the cookie afterwards: Flask-Login's
"strong" session protection drops a session whose client fingerprint changes. Loopback URLs only.
"""

from __future__ import annotations

import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request


def main(base: str, email: str, password: str, agent: str) -> int:
    host = urllib.parse.urlsplit(base).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"refusing non-loopback target {base}", file=sys.stderr)
        return 2
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", agent)]
    page = opener.open(f"{base}/login", timeout=30).read().decode()
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    if not match:
        print("no csrf_token on /login", file=sys.stderr)
        return 1
    data = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": match.group(1)}).encode()
    response = opener.open(f"{base}/login", data=data, timeout=30)
    if urllib.parse.urlsplit(response.geturl()).path == "/login":
        print(f"sign-in as {email} failed (still on /login)", file=sys.stderr)
        return 1
    cookies = [f"{c.name}={c.value}" for c in jar if c.name.endswith("session")]
    if not cookies:
        print("no session cookie after sign-in", file=sys.stderr)
        return 1
    print("; ".join(cookies))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
