"""docker-compose.yml's proxy: the only door to the stack, and a config nginx accepts.

No Docker engine here: `docker-compose config` resolves the file, and Debian's nginx checks the
config rendered from it (tests/deploy/nginx.py) as the nginx image would render it.
"""

import shutil

import pytest

from tests.conftest import need
from tests.content.test_compose import published, resolved

from .nginx import mounts, nginx_check, proxy_service, render, self_signed_certificate


@pytest.fixture(autouse=True)
def tools():
    need(shutil.which("docker-compose") is not None, "the tests need docker-compose (apt-get install docker-compose)")
    need(shutil.which("nginx") is not None, "the tests need nginx (apt-get install nginx-light)")
    need(shutil.which("envsubst") is not None, "the tests need envsubst (apt-get install gettext-base)")


@pytest.mark.parametrize("mode", ["http", "https"])
def test_nginx_accepts_the_config_compose_renders(tmp_path, mode):
    certs = tmp_path / "certs"
    self_signed_certificate(certs)
    service = proxy_service(PROXY_CONFIG=mode, PROXY_CERTS=str(certs))
    assert mounts(service)["/etc/nginx/certs"] == certs
    # Only the certificates' folder means nothing here as the container sees it.
    conf = render(service, tmp_path / "nginx", CAMPAIGN_CERTS=str(certs))
    site = (conf.parent / "campaign" / "site.conf").read_text()
    assert "${" not in site
    assert ("ssl_certificate" in site) == (mode == "https")
    checked = nginx_check(conf)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_site_is_reached_only_through_the_proxy():
    compose = resolved(SECRET_KEY="compose-test-secret")["services"]
    # One door, on loopback unless the operator publishes it (PROXY_HTTP / PROXY_HTTPS).
    assert published(compose["proxy"]) == [("127.0.0.1", "80"), ("127.0.0.1", "443")]
    web = compose["web"]
    assert not web.get("ports") and "container_name" not in web  # so `--scale web=3` can run
    assert compose["proxy"]["environment"]["CAMPAIGN_APP"] == "web:8000"
    assert compose["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "1"


def test_uploaded_media_never_reach_the_proxy():
    """The app decides which photos are public; the proxy cannot serve what it cannot read."""
    compose = proxy_service()
    web = resolved(SECRET_KEY="compose-test-secret")["services"]["web"]
    media_volumes = {mount.split(":")[0] for mount in web["volumes"] if ":/app/var" in mount}
    assert media_volumes
    assert not media_volumes & {str(source) for source in mounts(compose).values()}


def test_the_stack_serves_on_one_port_and_publishes_wider_only_when_told():
    compose = proxy_service(PROXY_CONFIG="https", PROXY_HTTPS="443", PROXY_HTTP="80")
    assert published(compose) == [("0.0.0.0", "80"), ("0.0.0.0", "443")]
    assert str(mounts(compose)["/etc/nginx/templates/site.conf.template"]).endswith("deploy/nginx/https.conf.template")
