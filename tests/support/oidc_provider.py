"""A real, certified OpenID provider for the single sign-on tests: panva's oidc-provider (npm) on Node.js, started
from tests/support/oidc/server.js on a free loopback port. `make test` installs its packages first (.ci/system-deps
runs `npm ci` there from the committed package-lock.json): nothing is downloaded at test time, and a machine
without Node.js or the packages fails the tests with the command to run instead of skipping them.

The provider's login form is driven with plain HTTP (requests): :func:`log_in_at_provider` follows an
authorization URL to the redirect back to ReviewBoard.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import shutil
import subprocess  # nosec B404 - starts the test provider from this repository
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests

HERE = Path(__file__).resolve().parent / "oidc"
CLIENT_ID, CLIENT_SECRET = "reviewboard", "reviewboard-test-secret"
OTHER_CLIENT_ID, OTHER_CLIENT_SECRET = "other-app", "other-app-test-secret"
REDIRECT_URI = "http://localhost/sso/callback"  # the Flask test client's host


@contextlib.contextmanager
def running_provider(tmp_path: Path) -> Iterator[str]:
    """Start the provider; yields its issuer URL. Fails (never skips) when Node.js or its packages are missing."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is missing: run `make system-deps` (it installs Debian's nodejs and npm)")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the test OpenID provider is not installed: run `make system-deps` (npm ci in tests/support/oidc)")
    log = (tmp_path / "oidc-provider.log").open("w")
    process = subprocess.Popen([node, "server.js", REDIRECT_URI], cwd=HERE, stdout=subprocess.PIPE,  # nosec B603
                               stderr=log, text=True)
    try:
        line = process.stdout.readline()  # printed once it listens; empty if it died
        if not line:
            process.wait(timeout=10)
            pytest.fail(f"the test OpenID provider did not start: {(tmp_path / 'oidc-provider.log').read_text()}")
        yield json.loads(line)["issuer"]
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        log.close()


def log_in_at_provider(authorize_url: str, user: str, *, auth_age: int = 0,
                       browser: requests.Session | None = None) -> str:
    """Open ``authorize_url`` at the provider, log in as test ``user`` (its login form; ``auth_age`` seconds
    reports an authentication that long ago) and return the URL the provider sends back to ReviewBoard.
    ``browser`` keeps the provider's cookies (its own session) between calls."""
    browser = browser or requests.Session()
    url, posted = authorize_url, False
    for _ in range(10):
        if url.startswith(REDIRECT_URI):
            return url
        if "/interaction/" in url and not posted:
            page = browser.get(url, allow_redirects=False, timeout=10)
            assert page.status_code == 200, page.text[:500]
            url = urljoin(url, f"{urlsplit(url).path}/login")
            response = browser.post(url, data={"login": user, "auth_age": str(auth_age)}, allow_redirects=False,
                                    timeout=10)
            posted = True
        else:
            response = browser.get(url, allow_redirects=False, timeout=10)
        assert response.status_code in (302, 303), (url, response.status_code, response.text[:500])
        url = urljoin(url, response.headers["Location"])
    raise AssertionError(f"the provider never sent the browser back (last at {url})")


def tokens_for(issuer: str, user: str, *, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET,
               nonce: str = "n-0S6_WzA2Mj") -> dict:
    """The provider's token response (ID token signed by it) for ``user`` and ``client_id``: the code flow with
    PKCE run directly with requests, as a second relying party would."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    query = urlencode({"client_id": client_id, "response_type": "code", "scope": "openid email profile",
                       "redirect_uri": REDIRECT_URI, "state": state, "nonce": nonce, "code_challenge": challenge,
                       "code_challenge_method": "S256"})
    back = parse_qs(urlsplit(log_in_at_provider(f"{issuer}/auth?{query}", user)).query)
    assert back["state"] == [state]
    response = requests.post(f"{issuer}/token", auth=(client_id, client_secret), timeout=10, data={
        "grant_type": "authorization_code", "code": back["code"][0], "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier})
    assert response.status_code == 200, response.text
    return response.json()
