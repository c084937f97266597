"""The real thing: ``entcore serve`` (uvicorn) in subprocesses, spoken to over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from entcore.app import Entcore
from entcore.cli import main
from tests.web.conftest import CONFIG, PASSWORD, csrf_of, login_of

ENTCORE = Path(sys.executable).with_name("entcore")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(db_url: str, config: Path, *extra: str) -> Iterator[str]:
    """``entcore serve`` on a free port; yields its base URL once ``/health`` answers."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(ENTCORE),
            "--db",
            db_url,
            "--config",
            str(config),
            "serve",
            "--port",
            str(port),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Waits for start-up (not a timed assertion: only a bound on a hung server).
        for _ in range(600):
            if process.poll() is not None:
                raise AssertionError(
                    f"entcore serve stopped: {process.stdout.read() if process.stdout else ''}"
                )
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("entcore serve did not answer")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


@pytest.fixture
def served(web_entcore: Entcore, tmp_path: Path) -> tuple[Entcore, Path]:
    """The application's store and its configuration file, ready for ``entcore serve``."""
    config = tmp_path / "entcore.toml"
    config.write_text(CONFIG, encoding="utf-8")
    web_entcore.close()
    return web_entcore, config


def activation_code(db_url: str, config: Path, login: str, *options: str) -> str:
    result = CliRunner().invoke(
        main,
        ["--db", db_url, "--config", str(config), "accounts", "activation-code", login, *options],
    )
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_the_activation_code_command(served: tuple[Entcore, Path]) -> None:
    app, config = served
    url = app.settings.db_url
    code = activation_code(url, config, login_of(app, "G1"))
    assert len(code) == 14 and code.count("-") == 2
    refused = CliRunner().invoke(
        main,
        ["--db", url, "--config", str(config), "accounts", "activation-code", login_of(app, "E1")],
    )
    assert refused.exit_code != 0 and "Connectez-vous avec ÉduConnect" in refused.output
    unknown = CliRunner().invoke(
        main, ["--db", url, "--config", str(config), "accounts", "activation-code", "x.inconnu"]
    )
    assert unknown.exit_code != 0 and "compte introuvable" in unknown.output
    assert "x.inconnu" not in unknown.output


def test_serve_needs_a_secret_key(entcore_db_url: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", entcore_db_url, "--config", str(empty), "serve"])
    assert result.exit_code != 0
    assert "secret_key is required" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def _sign_in_over_http(base: str, login: str, code: str) -> httpx.Client:
    browser = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    page = browser.get("/auth/activate")
    activated = browser.post(
        "/auth/activate",
        data={"login": login, "code": code, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert activated.status_code == 200 and "Votre compte est activé" in activated.text
    page = browser.get("/auth/login")
    answer = browser.post(
        "/auth/login",
        data={
            "login": login,
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/ent",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/ent"
    return browser


def test_entcore_serve_signs_a_guest_in(served: tuple[Entcore, Path]) -> None:
    app, config = served
    url = app.settings.db_url
    login = login_of(app, "G1")
    code = activation_code(url, config, login)
    with serving(url, config) as base:
        assert httpx.get(f"{base}/health").json()["status"] == "ok"
        browser = _sign_in_over_http(base, login, code)
        assert browser.get("/auth/session").json()["login"] == login
        assert browser.get("/nulle-part").status_code == 404
        browser.close()


def _postgresql() -> bool:
    url = os.environ.get("ENTCORE_TEST_DATABASE_URL")
    return bool(url) and make_url(url).get_backend_name() == "postgresql"


@pytest.mark.skipif(not _postgresql(), reason="two servers share a store on PostgreSQL only")
def test_two_servers_on_one_postgresql_share_sessions(
    served: tuple[Entcore, Path],
) -> None:
    app, config = served
    url = app.settings.db_url
    login = login_of(app, "G1")
    code = activation_code(url, config, login)
    with serving(url, config) as first, serving(url, config) as second:
        browser = _sign_in_over_http(first, login, code)
        cookies = dict(browser.cookies)
        other = httpx.Client(base_url=second, cookies=cookies, timeout=30)
        assert other.get("/auth/session").json()["login"] == login
        # Signing out on the second ends the session on the first.
        page = other.get("/auth/logout")
        assert other.post("/auth/logout", data={"csrf_token": csrf_of(page.text)}).status_code in (
            200,
            303,
        )
        assert browser.get("/auth/session").status_code == 401
        browser.close()
        other.close()


@pytest.mark.skipif(not _postgresql(), reason="several workers share a store on PostgreSQL only")
def test_serve_with_workers(served: tuple[Entcore, Path]) -> None:
    app, config = served
    url = app.settings.db_url
    login = login_of(app, "G1")
    code = activation_code(url, config, login)
    with serving(url, config, "--workers", "2") as base:
        browser = _sign_in_over_http(base, login, code)
        for _ in range(6):  # whichever worker answers, the session is found
            assert browser.get("/auth/session").status_code == 200
        browser.close()
