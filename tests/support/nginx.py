"""The rendered nginx config under the distribution's nginx, on loopback.

The image's entrypoint fills the config template with envsubst, limited to
the variables NGINX_ENVSUBST_FILTER names, and writes it to conf.d inside the
stock nginx.conf's http {} block. This does the same with the same inputs
(the Dockerfile's ENV defaults, overridden as a deployment would), then moves
only what is tied to the image's file system or to fixed ports: the snippets
and html directories, the listen ports, and the temp paths of the stock
nginx.conf.
"""

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .dockerfiles import Dockerfile
from .http import wait_for_port
from .postgres import free_port

NGINX = "/usr/sbin/nginx"
EDGE_LOG = "/var/log/nginx/edge/${HOSTNAME}.log"
EDGE_LOG_HOSTNAME = "loopback"


def image_environment(frontend: Path) -> dict[str, str]:
    """The ENV the production stage of the frontend image sets."""
    env: dict[str, str] = {}
    for instruction in Dockerfile.parse(frontend / "Dockerfile").in_stage("production"):
        if instruction.keyword == "ENV":
            for key, value in re.findall(r'(\w+)=("[^"]*"|\S+)', instruction.arguments):
                env[key] = value.strip('"')
    return env


def envsubst(template: str, env: dict[str, str]) -> str:
    """What 20-envsubst-on-templates.sh does: only the filtered variables."""
    names = [name for name in env if re.search(env["NGINX_ENVSUBST_FILTER"], name)]
    shell_format = " ".join(f"${{{name}}}" for name in names)
    result = subprocess.run(
        ["envsubst", shell_format],
        input=template,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@dataclass
class Nginx:
    frontend: Path
    directory: Path
    html: Path
    env: dict[str, str]
    http_port: int
    https_port: int | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)
    public: Path | None = field(default=None, repr=False)
    status_port: int | None = None

    @classmethod
    def before(
        cls, project: Path, backend_port: int, html: Path, directory: Path, certificate: dict
    ) -> "Nginx":
        """The project's nginx, TLS on, in front of a backend on loopback,
        which is its only trusted proxy."""
        return cls(
            frontend=project / "frontend",
            directory=directory,
            html=html,
            env={
                "BACKEND_UPSTREAM": f"127.0.0.1:{backend_port}",
                "TRUSTED_PROXY_RANGE": "127.0.0.1/32",
                **certificate,
            },
            http_port=free_port(),
            https_port=free_port(),
        )

    def write(self) -> Path:
        conf_d = self.directory / "conf.d"
        snippets = self.directory / "snippets"
        conf_d.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.frontend / "nginx" / "snippets", snippets, dirs_exist_ok=True)
        template = (self.frontend / "nginx" / "default.conf.template").read_text()
        config = envsubst(template, {**image_environment(self.frontend), **self.env})
        # nginx's workers run unprivileged, like the image's: the site must sit
        # where they can read it, outside the test's private temp directory.
        if self.public is None:
            self.public = Path(tempfile.mkdtemp(prefix="template-tests-html-"))
            self.public.chmod(0o755)
            if self.html.is_dir():
                shutil.copytree(self.html, self.public / "html")
        moved = {
            "/etc/nginx/snippets/": f"{snippets}/",
            "root /usr/share/nginx/html;": f"root {self.public / 'html'};",
            "listen 8080;": f"listen 127.0.0.1:{self.http_port};",
            "access_log /dev/stdout json;": f"access_log {self.directory}/access.log json;",
            "error_log /dev/stderr crit;": f"error_log {self.directory}/error.log crit;",
        }
        if EDGE_LOG in config:
            # The second access log, the one mtail reads: in the container one
            # file per HOSTNAME in a shared volume; here one file in edge/.
            (self.directory / "edge").mkdir(exist_ok=True)
            moved[EDGE_LOG] = str(self.edge_log)
        if "listen 8080 default_server;" in config:
            moved["listen 8080 default_server;"] = (
                f"listen 127.0.0.1:{self.http_port} default_server;"
            )
        if self.https_port:
            moved["listen 8443 ssl;"] = f"listen 127.0.0.1:{self.https_port} ssl;"
            moved["listen 8443 ssl default_server;"] = (
                f"listen 127.0.0.1:{self.https_port} ssl default_server;"
            )
        if "/run/secrets/tls_certificate" in config:
            moved["/run/secrets/tls_certificate"] = self.env["TLS_CERTIFICATE"]
            moved["/run/secrets/tls_private_key"] = self.env["TLS_PRIVATE_KEY"]
        if "listen 8081;" in config:
            self.status_port = self.status_port or free_port()
            moved["listen 8081;"] = f"listen 127.0.0.1:{self.status_port};"
        for old, new in moved.items():
            assert old in config, f"expected {old!r} in the rendered nginx config"
            config = config.replace(old, new)
        (conf_d / "default.conf").write_text(config)
        main = self.directory / "nginx.conf"
        # Request bodies larger than nginx's buffer go to a temporary file,
        # which the unprivileged workers must reach too (else nginx answers 500).
        temp = self.public / "temp"
        temp.mkdir(exist_ok=True)
        main.write_text(f"""
worker_processes 1;
daemon off;
pid {self.directory}/nginx.pid;
error_log {self.directory}/error.log notice;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {conf_d}/*.conf;
}}
""")
        return main

    def test_config(self) -> subprocess.CompletedProcess:
        main = self.write()
        return subprocess.run(
            [NGINX, "-t", "-c", str(main), "-e", str(self.directory / "error.log")],
            capture_output=True,
            text=True,
            check=False,
        )

    def start(self) -> None:
        checked = self.test_config()
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(
            [
                NGINX,
                "-c",
                str(self.directory / "nginx.conf"),
                "-e",
                str(self.directory / "error.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.http_port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        if self.public is not None:
            shutil.rmtree(self.public, ignore_errors=True)
            self.public = None

    @property
    def edge_log(self) -> Path:
        return self.directory / "edge" / f"{EDGE_LOG_HOSTNAME}.log"

    def access_log(self) -> str:
        return (self.directory / "access.log").read_text()


def dev_certificate(project: Path, directory: Path) -> dict[str, str]:
    """The render's own scripts/dev-certificate.sh pair, standing in for the image's TLS secrets."""
    subprocess.run(
        [project / "scripts" / "dev-certificate.sh", directory], check=True, capture_output=True
    )
    return {
        "TLS_CERTIFICATE": str(directory / "dev-tls.crt"),
        "TLS_PRIVATE_KEY": str(directory / "dev-tls.key"),
    }
