"""A real OpenID Connect provider for the tests: panva's ``oidc-provider`` under Node.js.

    def app_config(oidc): return oidc.app_settings()           # OIDC_ISSUER, client id, secret
    def test_…(oidc_running): oidc_running.add_account(...)     # the provider, started

``tests/oidc_provider/server.js`` serves it on 127.0.0.1 and a free port, with its own login
page (the accounts' passwords), two confidential clients (the app's, and another app's, for
the wrong-audience refusal) whose redirect URI is ``{BASE_URL}/auth/oidc/callback``, and
RP-initiated logout. Its packages are installed once with ``npm ci`` (``make test`` does it;
the fixture does it too when ``node_modules`` is missing). Without Node.js the tests skip,
saying why; REQUIRE_BROWSER=1 (CI) turns that skip into a failure.

``ProviderSession`` plays the person's browser at the provider with ``requests`` (its own
cookies): it follows the app's redirect to the provider, signs in on its login page and
returns the callback URL the provider sends the person back to.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from .mail import free_port

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc_provider"
CLIENT_ID = "reciproque"
CLIENT_SECRET = "reciproque-test-secret"  # noqa: S105 - a test provider's client
OTHER_CLIENT_ID = "another-app"
OTHER_CLIENT_SECRET = "another-app-secret"  # noqa: S105
PROVIDER_PASSWORD = "provider password 1"  # noqa: S105 - the test accounts' password there


def node_or_skip() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node, npm
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail("REQUIRE_BROWSER is set but Node.js and npm are missing (the test provider)")
    pytest.skip("needs Node.js 20 and npm for the test OpenID Connect provider")


def install_provider(npm: str) -> None:
    """``npm ci`` once (under a file lock: xdist workers may all want it at once)."""
    marker = PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json"
    if marker.exists():
        return
    with open(PROVIDER_DIR / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=PROVIDER_DIR,
                check=True,
                timeout=300,
            )


class OidcProvider:
    """One provider process; ``start()`` once the app's callback address is known."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.accounts_file = folder / "accounts.json"
        self.accounts: list[dict] = []
        self.process: subprocess.Popen | None = None
        self.log = folder / "oidc-provider.log"
        self._write_accounts()

    def app_settings(self, **extra) -> dict:
        """The app's settings for this provider."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_PROVIDER_NAME": "Test IdP",
            **extra,
        }

    def add_account(
        self,
        email: str,
        *,
        sub: str | None = None,
        name: str = "Provider Person",
        email_verified: bool = True,
        department: str | None = None,
        password: str = PROVIDER_PASSWORD,
    ) -> dict:
        account = {
            "sub": sub or f"sub-{len(self.accounts) + 1}-{email}",
            "email": email,
            "email_verified": email_verified,
            "name": name,
            "password": password,
        }
        if department is not None:
            account["department"] = department
        self.accounts.append(account)
        self._write_accounts()
        return account

    def _write_accounts(self) -> None:
        self.accounts_file.write_text(json.dumps(self.accounts), encoding="utf-8")

    def start(self, base_url: str, id_token_ttl: int = 3600) -> OidcProvider:
        node, npm = node_or_skip()
        install_provider(npm)
        callback = base_url.rstrip("/") + "/auth/oidc/callback"
        clients = [
            {"client_id": cid, "client_secret": secret, "redirect_uris": [callback],
             "post_logout_redirect_uris": [base_url.rstrip("/") + "/login"]}
            for cid, secret in ((CLIENT_ID, CLIENT_SECRET), (OTHER_CLIENT_ID, OTHER_CLIENT_SECRET))
        ]  # fmt: skip
        config = self.folder / "provider.json"
        config.write_text(
            json.dumps(
                {
                    "port": self.port,
                    "accounts_file": str(self.accounts_file),
                    "id_token_ttl": id_token_ttl,
                    "clients": clients,
                }
            ),
            encoding="utf-8",
        )
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own script
                [node, "server.js", str(config)],
                cwd=PROVIDER_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_for_discovery()
        return self

    def _wait_for_discovery(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        url = self.issuer + "/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the test provider stopped: {self.log.read_text()}")
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the test provider did not answer in {timeout} s: {self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


class ProviderSession:
    """The person's browser at the provider (its cookies), driven with ``requests``."""

    def __init__(self, provider: OidcProvider):
        self.provider = provider
        self.http = requests.Session()

    def sign_in(self, authorize_url: str, email: str, password: str = PROVIDER_PASSWORD) -> str:
        """Open the provider's authorize URL, sign in on its page; the app's callback URL."""
        answer = self.http.get(authorize_url, allow_redirects=False, timeout=10)
        while answer.is_redirect:
            target = urljoin(answer.url, answer.headers["Location"])
            if "/auth/oidc/callback" in target:
                return target
            if "/interaction/" in urlsplit(target).path and answer.request.method == "GET":
                page = self.http.get(target, timeout=10)
                assert "Test identity provider" in page.text, page.text
                answer = self.http.post(
                    target + "/login",
                    data={"login": email, "password": password},
                    allow_redirects=False,
                    timeout=10,
                )
                assert answer.is_redirect, answer.text  # a wrong password shows the page again
                continue
            answer = self.http.get(target, allow_redirects=False, timeout=10)
            if answer.status_code == 200 and "document.forms[0].submit()" in answer.text:
                # The provider's self-submitting form (ending the session of the account
                # signed in before, when another one signs in): what a browser does.
                action = re.search(r'<form method="post" action="([^"]+)"', answer.text)[1]
                fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', answer.text))
                answer = self.http.post(action, data=fields, allow_redirects=False, timeout=10)
        raise AssertionError(f"the provider did not send the person back: {answer.text[:500]}")


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def oidc(tmp_path) -> Iterator[OidcProvider]:
    """The provider, not started yet (its issuer is known: the app's settings need it)."""
    provider = OidcProvider(tmp_path)
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def oidc_running(oidc, app) -> OidcProvider:
    """The provider, started for the app's test client (its ``BASE_URL``)."""
    return oidc.start(app.config["BASE_URL"])
