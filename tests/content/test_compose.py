"""docker-compose.yml is valid, and runs what README.md says it runs.

There is no Docker engine here: Debian's `docker-compose config` validates the file and prints
it resolved, and the interpreter that runs docker-compose (which needs PyYAML) reads it back.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import need

BASE_DIR = Path(__file__).resolve().parents[2]
README = (BASE_DIR / "README.md").read_text()
TO_JSON = "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"


def compose_config(**env: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run(
        ["docker-compose", "--project-directory", str(BASE_DIR), "-f", str(BASE_DIR / "docker-compose.yml"), "config"],
        env=clean, capture_output=True, text=True, timeout=60,
    )


@pytest.fixture(scope="module")
def compose():
    executable = shutil.which("docker-compose")
    need(executable is not None, "the tests need Debian's docker-compose (apt-get install docker-compose)")
    result = compose_config(SECRET_KEY="compose-test-secret")
    assert result.returncode == 0, result.stderr
    interpreter = Path(executable).read_text().splitlines()[0].removeprefix("#!").split()
    parsed = subprocess.run([*interpreter, "-c", TO_JSON], input=result.stdout, capture_output=True, text=True, check=True)
    return json.loads(parsed.stdout)


def command(service: dict) -> str:
    value = service.get("command") or []
    return value if isinstance(value, str) else " ".join(value)


def test_compose_refuses_to_start_without_a_secret_key(compose):
    result = compose_config()
    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_the_services_are_the_ones_the_readme_lists(compose):
    line = re.search(r"docker compose up -d\s+#\s*(.+)", README).group(1)
    listed = {name.strip() for name in re.sub(r"\([^)]*\)", "", line).split(",")}
    assert listed == {"postgres", "redis", "web", "worker", "beat", "mailpit"}
    assert set(compose["services"]) == listed


def test_web_migrates_seeds_and_serves_with_gunicorn(compose):
    web = command(compose["services"]["web"])
    assert "gunicorn" in README and "migrates and seeds on start" in README
    migrate, seed, serve = web.index("manage.py migrate"), web.index("manage.py seed_campaign"), web.index("gunicorn")
    assert migrate < seed < serve
    assert "campaign.wsgi" in web


@pytest.mark.parametrize("role", ["worker", "beat"])
def test_celery_runs_as_the_readme_says(compose, role):
    documented = f"celery -A campaign {role}"
    assert f"`{documented}`" in README
    assert command(compose["services"][role]).startswith(documented)


def test_every_long_running_service_has_a_health_check_except_beat(compose):
    services = compose["services"]
    for name, service in services.items():
        if name == "beat":
            assert "healthcheck" not in service  # beat has nothing to ask; it is restarted if it exits
        else:
            assert service["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_the_app_waits_for_healthy_database_and_redis(compose):
    for name in ("web", "worker", "beat"):
        depends = compose["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == depends["redis"]["condition"] == "service_healthy"


def test_data_lives_on_named_volumes(compose):
    named = set(compose["volumes"])
    services = compose["services"]
    for name, target in [("postgres", "/var/lib/postgresql/data"), ("redis", "/data"), ("web", "/app/var")]:
        mounts = dict(mount_of(volume) for volume in services[name]["volumes"])
        assert mounts[target] in named, (name, target)


def mount_of(volume) -> tuple[str, str]:
    """(target, source) from either compose syntax: `source:target[:mode]` or a mapping."""
    if isinstance(volume, dict):
        return volume["target"], volume["source"]
    source, target = volume.split(":")[:2]
    return target, source


def test_the_app_is_built_from_the_dockerfile_and_runs_in_production_mode(compose):
    assert (BASE_DIR / "Dockerfile").is_file()
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        assert Path(service["build"]["context"]).resolve() == BASE_DIR
        assert service["environment"]["DEBUG"] == "False"
        assert service["environment"]["SECRET_KEY"] == "compose-test-secret"
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
