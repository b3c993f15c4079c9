"""The proxy as docker-compose.yml runs it, rendered for this machine's nginx (Debian's).

The official nginx image renders /etc/nginx/templates/*.template with envsubst (the variables
its environment defines) and runs nginx with the files compose mounts; `render` does the same
in a directory of our own, so `nginx -t` and the tests read the very files the stack would.
"""

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

from tests.content.test_compose import resolved
from tests.integration.stack import wait_for

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MIME_TYPES = Path("/etc/nginx/mime.types")
TEMPLATES = Path("/etc/nginx/templates")
SITE_DIR = "campaign"  # NGINX_ENVSUBST_OUTPUT_DIR, relative to nginx.conf's directory


def proxy_service(**env: str) -> dict:
    return resolved(SECRET_KEY="compose-test-secret", **env)["services"]["proxy"]


def mounts(service: dict) -> dict[str, Path]:
    """Container path -> host path of every file or folder the service mounts from this checkout."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            source, target = volume["source"], volume["target"]
        else:
            source, target = volume.split(":")[:2]
        found[target] = Path(source)
    return found


def render(service: dict, prefix: Path, **overrides: str) -> Path:
    """Lay out the proxy's config in `prefix` as the container would have it under /etc/nginx.

    `overrides` replace the service's environment (ports, the app's address, folders) where the
    container's values mean nothing on this machine. Returns the path of nginx.conf.
    """
    files = mounts(service)
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / SITE_DIR).mkdir(exist_ok=True)
    for target, source in files.items():
        target_path = Path(target)
        if target_path.parent == Path("/etc/nginx") and source.is_file():
            shutil.copy(source, prefix / target_path.name)
    shutil.copy(MIME_TYPES, prefix / "mime.types")
    environment = {**{k: str(v) for k, v in service["environment"].items()}, **overrides}
    names = " ".join(f"${{{name}}}" for name in environment)
    for target, source in files.items():
        if Path(target).parent == TEMPLATES and target.endswith(".template"):
            rendered = subprocess.run(
                ["envsubst", names],
                input=source.read_text(),
                env={**environment, "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            (prefix / SITE_DIR / Path(target).name.removesuffix(".template")).write_text(rendered)
    # This machine's nginx keeps request bodies in /var/lib/nginx by default: ours in prefix.
    temp = prefix / "temp"
    temp.mkdir(exist_ok=True)
    (prefix / SITE_DIR / "zz-test-temp-paths.conf").write_text(
        "".join(f"{kind}_temp_path {temp / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    )
    return prefix / "nginx.conf"


def nginx_args(conf: Path) -> list[str]:
    prefix = conf.parent
    return [NGINX, "-p", f"{prefix}/", "-e", "stderr", "-c", str(conf), "-g", f"pid {prefix / 'nginx.pid'};"]


def nginx_check(conf: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*nginx_args(conf), "-t"], capture_output=True, text=True, timeout=30)


def self_signed_certificate(folder: Path) -> Path:
    """fullchain.pem and privkey.pem for 127.0.0.1 and localhost, made by openssl; returns the cert."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem"),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )  # fmt: skip
    return folder / "fullchain.pem"


class Nginx:
    """A real nginx (master in the foreground, its own prefix), stopped with its whole group."""

    def __init__(self, conf: Path):
        self.conf = conf
        self.log_path = conf.parent / "nginx.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            [*nginx_args(conf), "-g", "daemon off;"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_listening(self, port: int) -> None:
        import socket

        def listening():
            if self.popen.poll() is not None:
                raise AssertionError(f"nginx exited with {self.popen.returncode}:\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            except OSError:
                return False
            return True

        wait_for(listening, timeout=15, what="nginx to listen", diagnostics=self.output)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)
        self._log.close()
