"""docker-compose.yml is valid, and runs what README.md says it runs.

There is no Docker engine here: Debian's `docker-compose config` validates the file and prints
it resolved, and the interpreter that runs docker-compose (which needs PyYAML) reads it back.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import need

BASE_DIR = Path(__file__).resolve().parents[2]
README = (BASE_DIR / "README.md").read_text()
TO_JSON = "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"


# The encryption keys compose requires (their refusal is tested on its own): throwaway ones.
COMPOSE_KEYS = {"FIELD_ENCRYPTION_KEYS": "A" * 43 + "=", "BLIND_INDEX_KEY": "B" * 43 + "="}


def compose_config(directory: Path = BASE_DIR, **env: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    clean |= {**COMPOSE_KEYS, **env}
    return subprocess.run(
        [
            "docker-compose",
            "--project-directory",
            str(directory),
            "-f",
            str(directory / "docker-compose.yml"),
            "config",
        ],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def resolved(directory: Path = BASE_DIR, **env: str) -> dict:
    """docker-compose.yml as `docker-compose config` resolves it with this environment."""
    executable = shutil.which("docker-compose")
    need(executable is not None, "the tests need Debian's docker-compose (apt-get install docker-compose)")
    result = compose_config(directory, **env)
    assert result.returncode == 0, result.stderr
    interpreter = Path(executable).read_text().splitlines()[0].removeprefix("#!").split()
    parsed = subprocess.run(
        [*interpreter, "-c", TO_JSON], input=result.stdout, capture_output=True, text=True, check=True
    )
    return json.loads(parsed.stdout)


@pytest.fixture(scope="module")
def compose():
    return resolved(SECRET_KEY="compose-test-secret")


def command(service: dict) -> str:
    value = service.get("command") or []
    return value if isinstance(value, str) else " ".join(value)


def test_compose_refuses_to_start_without_a_secret_key(compose):
    result = compose_config()
    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


@pytest.mark.parametrize("key", ["FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"])
def test_compose_refuses_to_start_without_the_encryption_keys(compose, key):
    result = compose_config(SECRET_KEY="compose-test-secret", **{key: ""})
    assert result.returncode != 0
    assert f"set {key}" in result.stderr


def test_the_services_are_the_ones_the_readme_lists(compose):
    line = re.search(r"docker compose up -d\s+#\s*(.+)", README).group(1)
    listed = {name.strip() for name in re.sub(r"\([^)]*\)", "", line).split(",")}
    assert listed == {"proxy", "postgres", "redis", "migrate", "web", "worker", "worker-updates", "beat", "backup"}
    production = {name for name, service in compose["services"].items() if not service.get("profiles")}
    assert production == listed


def test_one_container_migrates_and_seeds_before_the_app_starts(compose):
    # Not in web's command: with `--scale web=3`, three containers would migrate at once.
    migrate = command(compose["services"]["migrate"])
    assert "migrates and seeds, then exits" in README
    assert migrate.index("manage.py migrate") < migrate.index("manage.py seed_campaign")
    assert compose["services"]["migrate"]["restart"] == "no"
    web = command(compose["services"]["web"])
    assert "gunicorn" in README and web.startswith("gunicorn campaign.wsgi") and "migrate" not in web
    for name in ("web", "worker", "worker-updates", "beat"):
        assert compose["services"][name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("role", ["worker", "beat"])
def test_celery_runs_as_the_readme_says(compose, role):
    documented = f"celery -A campaign {role}"
    assert f"`{documented}`" in README
    assert command(compose["services"][role]).startswith(documented)


def queues_consumed(service: dict) -> set[str]:
    words = command(service).split()
    return set(words[words.index("--queues") + 1].split(","))


def test_every_queue_a_task_is_sent_to_has_a_worker_and_updates_never_hold_up_confirmations(compose):
    from django.conf import settings

    from campaign.celery import app

    services = compose["services"]
    assert queues_consumed(services["worker"]) == {"celery"}
    assert queues_consumed(services["worker-updates"]) == {"updates"}
    assert command(services["worker-updates"]).startswith("nice -n 10 celery -A campaign worker")
    consumed = queues_consumed(services["worker"]) | queues_consumed(services["worker-updates"])
    assert {queue.name for queue in settings.CELERY_TASK_QUEUES} == consumed
    app.loader.import_default_modules()  # every app's tasks module
    routed = {name: app.amqp.router.route({}, name)["queue"].name for name in app.tasks if name.startswith("campaign.")}
    assert set(routed.values()) <= consumed
    assert routed["campaign.petitions.tasks.send_supporter_update"] == "updates"
    assert routed["campaign.petitions.tasks.send_update_emails"] == "updates"
    # A signer's confirmation email is never queued behind an update's batches.
    assert {
        routed["campaign.petitions.tasks.send_signature_emails"],
        routed["campaign.petitions.tasks.sweep_email_outbox"],
    } == {"celery"}


def test_every_long_running_service_has_a_health_check_except_beat(compose):
    services = compose["services"]
    for name, service in services.items():
        if name in ("beat", "migrate"):
            # beat has nothing to ask, it is restarted if it exits; migrate runs once and exits.
            assert "healthcheck" not in service
        else:
            assert service["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_the_app_waits_for_healthy_database_and_redis(compose):
    for name in ("migrate", "web", "worker", "beat"):
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


def published(service: dict) -> list[tuple[str, str]]:
    """(host address, container port) of every port a service publishes, in either syntax."""
    found = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            found.append((port.get("host_ip", "0.0.0.0"), str(port["target"])))
        else:
            parts = str(port).split("/")[0].split(":")
            found.append((parts[0] if len(parts) == 3 else "0.0.0.0", parts[-1]))
    return found


def test_mailpit_runs_only_in_the_development_profile_and_only_on_loopback(compose):
    mailpit = compose["services"]["mailpit"]
    assert mailpit["profiles"] == ["development"]
    assert published(mailpit) and all(host == "127.0.0.1" for host, _port in published(mailpit))


def test_gunicorn_is_reachable_only_through_the_proxy(compose):
    # gunicorn believes X-Forwarded-For, so a client that reached it directly could be anybody:
    # web publishes nothing, and by default nothing is published beyond this host's loopback.
    assert published(compose["services"]["web"]) == []
    for name, service in compose["services"].items():
        assert all(host == "127.0.0.1" for host, _port in published(service)), name
    assert [name for name, service in compose["services"].items() if published(service)] == ["mailpit", "proxy"]


def django_starts(environment: dict) -> subprocess.CompletedProcess:
    """Start Django's settings in a fresh process with a service's environment, as its container would."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "campaign.settings",
        "PYTHONDONTWRITEBYTECODE": "1",
        **{key: str(value) for key, value in environment.items()},
    }
    env["MEDIA_ROOT"] = "/tmp"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_stack_as_shipped_has_no_mail_route_and_refuses_to_start(compose):
    for name in ("web", "worker", "beat"):
        environment = compose["services"][name]["environment"]
        assert "mailpit" not in environment["EMAIL_URL"] and ":1025" not in environment["EMAIL_URL"], name
    started = django_starts(compose["services"]["web"]["environment"])
    assert started.returncode != 0
    assert "Production needs a real mail route" in started.stderr


def test_the_stack_starts_with_the_mail_provider_the_operator_names():
    environment = resolved(SECRET_KEY="compose-test-secret", EMAIL_URL="smtp+tls://relay.example.net:587")["services"][
        "web"
    ]["environment"]
    assert environment["EMAIL_URL"] == "smtp+tls://relay.example.net:587"
    started = django_starts(environment)
    assert started.returncode == 0, started.stderr


# A release, not a series: `15.13` (PostgreSQL numbers its releases major.minor), `7.4.8`, `v1.21.0`.
EXACT_VERSION = re.compile(r"[\w./-]+:v?\d+\.\d+(\.\d+)?(-[a-z][\w.-]*)?(@sha256:[0-9a-f]{64})?")


def pulled_images(compose: dict, dockerfile: Path) -> dict[str, str]:
    images = {name: service["image"] for name, service in compose["services"].items() if "build" not in service}
    stages = re.findall(r"^FROM (\S+)", dockerfile.read_text(), re.MULTILINE)
    images["Dockerfile"] = stages[0]
    images.update({f"Dockerfile stage {n}": image for n, image in enumerate(stages[1:], 2)})
    return images


def test_every_image_the_stack_pulls_names_an_exact_version(compose):
    # Not `latest`, not `15` or `7`: those move under a running deployment. Digests: `make pin-images`.
    images = pulled_images(compose, BASE_DIR / "Dockerfile")
    assert {"postgres", "redis", "mailpit", "Dockerfile"} <= set(images)
    assert {name: image for name, image in images.items() if not EXACT_VERSION.fullmatch(image)} == {}
    assert "make pin-images" in README and "pin-images:" in (BASE_DIR / "Makefile").read_text()


def test_pin_images_pins_each_image_to_the_digest_its_registry_serves(tmp_path):
    """scripts/pin-images.sh against a stand-in for Docker (the registry is beyond this machine)."""
    for name in ("docker-compose.yml", "Dockerfile", "Makefile"):
        shutil.copy(BASE_DIR / name, tmp_path / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(
        "#!/bin/sh\n"
        "# pull: nothing to do; image inspect: the repo digest, made from the image's name.\n"
        'case "$1" in pull) exit 0 ;; image) printf \'%s@sha256:%s\\n\' "${5%%:*}" '
        '"$(printf %s "$5" | sha256sum | cut -c1-64)" ;; esac\n'
    )
    (bin_dir / "docker").chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    for _twice in range(2):  # pinning again replaces the digest rather than appending another
        run = subprocess.run(
            ["sh", str(BASE_DIR / "scripts" / "pin-images.sh"), str(tmp_path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
    images = pulled_images(resolved(tmp_path, SECRET_KEY="compose-test-secret"), tmp_path / "Dockerfile")
    before = pulled_images(resolved(SECRET_KEY="compose-test-secret"), BASE_DIR / "Dockerfile")
    for name, image in images.items():
        tag, _at, digest = image.partition("@")
        assert tag == before[name].partition("@")[0]
        assert digest == "sha256:" + hashlib.sha256(tag.encode()).hexdigest(), name
