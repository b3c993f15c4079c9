"""The stack's nginx (docker-compose.yml's `proxy`, deploy/nginx/) in front of the real gunicorn.

Debian's nginx runs the config compose renders (tests/deploy/nginx.py), with its own prefix and
ports, HTTPS from a certificate openssl makes here, in front of gunicorn with production's
settings and collectstatic's files. The supporter's browser connects from 127.0.0.2, so the
address the app records can only have come from nginx's X-Forwarded-For.
"""

import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from django.urls import reverse
from requests.adapters import HTTPAdapter

from campaign.petitions import crypto
from campaign.petitions.models import Signature
from campaign.petitions.services import email_lookup
from tests.conftest import need
from tests.deploy.nginx import Nginx, proxy_service, render, self_signed_certificate

from .stack import ROOT, Visitor, free_port, gunicorn_command, wait_for, web_answers

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CLIENT_ADDRESS = "127.0.0.2"  # loopback too, but not the address nginx talks to gunicorn from
SPOOFED = "198.51.100.7"  # what a client puts in X-Forwarded-For itself: never believed
HASHED_STATIC = re.compile(r'/static/[^"\s]+\.[0-9a-f]{12}\.(?:css|js)')


class FromAddress(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (CLIENT_ADDRESS, 0)
        super().init_poolmanager(*args, **kwargs)


@pytest.fixture(scope="module")
def site_root():
    """collectstatic's output as the proxy image has it (/srv/static), made once for the module."""
    for tool in ("nginx", "openssl", "envsubst", "docker-compose"):
        need(shutil.which(tool) is not None, f"the tests need {tool} (.ci/run installs it)")
    root = Path(tempfile.mkdtemp(prefix="campaign-proxy-"))
    root.chmod(0o755)  # nginx's workers run as an unprivileged user, as in its image
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.deploy.settings",
            "DEBUG": "False",
            "SECRET_KEY": "collectstatic-only",
            "FIELD_ENCRYPTION_KEYS": crypto.key_new(),
            "BLIND_INDEX_KEY": crypto.key_new(),
            "EMAIL_URL": "smtp://collectstatic.invalid:25",
            "STATIC_ROOT": str(root / "static"),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def proxied(site_root, make_stack):
    """gunicorn (2 sync workers, no Celery worker) behind nginx with the HTTPS config."""
    stack = make_stack(
        worker=False, DJANGO_SETTINGS_MODULE="tests.deploy.settings", STATIC_ROOT=str(site_root / "static")
    )
    work = Path(tempfile.mkdtemp(prefix="campaign-nginx-"))
    work.chmod(0o755)  # the workers keep request bodies in its temp/
    certificate = self_signed_certificate(work / "certs")
    http_port, https_port = free_port(), free_port()
    conf = render(
        proxy_service(PROXY_CONFIG="https", PROXY_CERTS=str(work / "certs")),
        work / "nginx",
        CAMPAIGN_APP=f"127.0.0.1:{stack.web_port}",
        CAMPAIGN_RESOLVER="127.0.0.1",
        CAMPAIGN_ROOT=str(site_root),
        CAMPAIGN_HTTP_PORT=f"127.0.0.1:{http_port}",
        CAMPAIGN_HTTPS_PORT=f"127.0.0.1:{https_port}",
        CAMPAIGN_CERTS=str(work / "certs"),
    )
    nginx = Nginx(conf)
    try:
        nginx.wait_listening(https_port)
        yield stack, nginx, certificate, http_port, https_port
    finally:
        nginx.stop()
        shutil.rmtree(work, ignore_errors=True)


def browser(base_url: str, certificate: Path) -> Visitor:
    """A supporter's browser, from CLIENT_ADDRESS, trusting only the test's certificate."""
    visitor = Visitor(base_url, ip=SPOOFED)
    visitor.session.verify = str(certificate)
    visitor.session.mount("https://", FromAddress())
    visitor.session.mount("http://", FromAddress())
    return visitor


def test_the_site_through_nginx_over_https(seeded, proxied, site_root):
    stack, nginx, certificate, http_port, https_port = proxied
    visitor = browser(f"https://127.0.0.1:{https_port}", certificate)

    home = visitor.get(reverse("content:home"))
    assert home.status_code == 200
    assert home.headers["Content-Encoding"] == "gzip"
    # The app saw HTTPS (X-Forwarded-Proto): no redirect, and HSTS on the page.
    assert "max-age=" in home.headers["Strict-Transport-Security"]

    # Static files: from disk, compressed, and cached a year under their hashed names.
    stylesheet = HASHED_STATIC.search(home.text)
    assert stylesheet, "the page links no hashed static file"
    asset = visitor.get(stylesheet.group(0), headers={"Accept-Encoding": "gzip"})
    assert asset.status_code == 200
    assert asset.headers["Content-Encoding"] == "gzip"
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert asset.content == (site_root / stylesheet.group(0).lstrip("/")).read_bytes()
    assert "Content-Security-Policy" not in asset.headers  # nginx answered, not the app

    # Uploaded media go to the app, even when a file of that name lies in nginx's root.
    (site_root / "media").mkdir(exist_ok=True)
    (site_root / "media" / "unpublished.jpg").write_bytes(b"not for the public")
    media = visitor.get("/media/unpublished.jpg")
    assert media.status_code == 404
    assert b"not for the public" not in media.content
    assert "Content-Security-Policy" in media.headers  # answered by Django

    # Signing: the address the app stores is the one nginx saw, not the one the client claimed.
    address = "dana.sultanova@example.org"
    signed = visitor.submit(
        home,
        reverse("petitions:sign", kwargs={"slug": seeded.slug}),
        {"name": "Dana Sultanova", "email": address, "country": "KZ"},
    )
    assert signed.status_code == 302, signed.text[:500]
    assert Signature.objects.get(email_index=email_lookup(address)).ip_address == CLIENT_ADDRESS

    # Plain HTTP only sends the browser to HTTPS.
    plain = requests.get(f"http://127.0.0.1:{http_port}/en/", allow_redirects=False, timeout=5)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")

    # Compose's health check of the proxy, pointed at this nginx's plain-HTTP port.
    check = proxy_service()["healthcheck"]["test"]
    assert check[:3] == ["CMD", "bash", "-c"] and "/127.0.0.1/80 " in check[3]
    healthy = subprocess.run(["bash", "-c", check[3].replace("/127.0.0.1/80 ", f"/127.0.0.1/{http_port} ")], timeout=10)
    assert healthy.returncode == 0

    # Neither nginx nor the app logged the client's address.
    assert CLIENT_ADDRESS not in nginx.output()
    assert CLIENT_ADDRESS not in stack.logs()


def slow_post(port: int, path: str, csrf: str, *, certificate: Path | None = None) -> socket.socket:
    """A client that sent a POST's headers and a little of its body, and takes its time.

    With the CSRF cookie and a Referer, so that Django goes on to read the body (the token).
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    if certificate:
        sock = ssl.create_default_context(cafile=str(certificate)).wrap_socket(sock, server_hostname="127.0.0.1")
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Forwarded-Proto: https\r\n"
        f"Cookie: csrftoken={csrf}\r\nReferer: https://127.0.0.1:{port}/en/\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\nname=".encode()
    )
    return sock


def answers_within(url: str, seconds: float, certificate: Path | None = None) -> bool:
    try:
        response = requests.get(
            url, headers={"X-Forwarded-Proto": "https"}, timeout=seconds, verify=str(certificate or True)
        )
    except requests.Timeout:
        return False
    return response.status_code in (200, 503)


def test_slow_clients_hold_nginx_not_the_gunicorn_workers(seeded, proxied):
    stack, _nginx, certificate, _http_port, https_port = proxied
    sign = reverse("petitions:sign", kwargs={"slug": seeded.slug})
    home = requests.get(stack.base_url + "/en/", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    csrf = home.cookies["csrftoken"]

    # Straight to gunicorn, two slow clients take both sync workers: the site stops answering.
    direct = [slow_post(stack.web_port, sign, csrf) for _ in range(2)]
    time.sleep(0.5)
    try:
        assert not answers_within(f"{stack.base_url}/healthz", 2)
    finally:
        for sock in direct:
            sock.close()
    wait_for(lambda: answers_within(f"{stack.base_url}/healthz", 2), timeout=30, what="gunicorn to recover")

    # Through nginx, twenty of them: nginx reads their bodies, the workers serve everyone else.
    slow = [slow_post(https_port, sign, csrf, certificate=certificate) for _ in range(20)]
    try:
        time.sleep(0.5)
        started = time.monotonic()
        for _ in range(5):
            assert answers_within(f"https://127.0.0.1:{https_port}/healthz", 2, certificate)
        assert time.monotonic() - started < 5
    finally:
        for sock in slow:
            sock.close()


class Dns:
    """A DNS server that answers every A query with `addresses`, as Docker's does for a scaled
    service's name: enough for nginx's resolver."""

    def __init__(self, addresses: list[str]):
        self.addresses = addresses
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.questions: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                query, peer = self.sock.recvfrom(512)
            except OSError:
                return
            end, labels = 12, []
            while query[end]:
                labels.append(query[end + 1 : end + 1 + query[end]].decode())
                end += 1 + query[end]
            question = query[12 : end + 5]
            self.questions.append(".".join(labels))
            answers = b"".join(
                struct.pack(">HHHIH", 0xC00C, 1, 1, 5, 4) + socket.inet_aton(address) for address in self.addresses
            )
            header = query[:2] + struct.pack(">HHHHH", 0x8180, 1, len(self.addresses), 0, 0)
            self.sock.sendto(header + question + answers, peer)

    def stop(self) -> None:
        self.sock.close()


def test_nginx_spreads_requests_over_every_web_container_and_skips_a_dead_one(site_root, make_stack):
    """`docker compose up --scale web=3`: three web containers behind one name in Docker's DNS."""
    nodes = ["127.0.0.3", "127.0.0.4", "127.0.0.5"]
    stack = make_stack(web=False, worker=False)
    port = free_port()
    webs = [
        stack._spawn(f"web-{n}", gunicorn_command(), GUNICORN_BIND=f"{address}:{port}", GUNICORN_WORKERS="1")
        for n, address in enumerate(nodes)
    ]
    for address, web in zip(nodes, webs, strict=True):
        wait_for(lambda a=address, w=web: web_answers(f"http://{a}:{port}", w), timeout=45, what="gunicorn")
    dns = Dns(nodes)
    work = Path(tempfile.mkdtemp(prefix="campaign-nginx-"))
    work.chmod(0o755)
    proxy_port = free_port()
    conf = render(
        proxy_service(),
        work / "nginx",
        CAMPAIGN_APP=f"web:{port}",
        CAMPAIGN_RESOLVER=f"127.0.0.1:{dns.port}",
        CAMPAIGN_ROOT=str(site_root),
        CAMPAIGN_HTTP_PORT=f"127.0.0.1:{proxy_port}",
    )
    nginx = Nginx(conf)
    try:
        nginx.wait_listening(proxy_port)
        url = f"http://127.0.0.1:{proxy_port}/healthz"
        before = [web.output().count('"GET /healthz"') for web in webs]  # the readiness checks
        for _ in range(30):
            assert requests.get(url, timeout=10).status_code == 200
        assert "web" in dns.questions

        def served():  # each access log line is written just after its response
            counts = [web.output().count('"GET /healthz"') - n for web, n in zip(webs, before, strict=True)]
            return counts if sum(counts) == 30 else None

        counts = wait_for(served, timeout=10, what="30 requests in gunicorn's access logs")
        assert all(count >= 5 for count in counts), counts  # round robin: about ten each

        webs[1].kill()  # one container dies: nginx tries the next, nobody sees an error
        statuses = [requests.get(url, timeout=10).status_code for _ in range(30)]
        assert statuses == [200] * 30
    finally:
        nginx.stop()
        dns.stop()
        shutil.rmtree(work, ignore_errors=True)
