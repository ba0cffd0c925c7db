"""A real nginx for the tests: Debian's binary run as the test's own process.

Each server gets its own prefix folder (config, pid, logs, temp paths), listens on a free
port of 127.0.0.1 only, runs in the foreground (`daemon off`) as a child of the test, and is
stopped by the fixture. The system nginx service is never used.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

from . import require_binary

_MAIN = """\
worker_processes 1;
error_log {prefix}/logs/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    default_type text/html;
    include {prefix}/linkcheck.conf;
    server {{
        listen 127.0.0.1:{port};
        server_name _;
        include {prefix}/linkcheck.server.conf;
        location = /__generation {{ return 200 "{generation}"; }}
        location /missing/ {{ return 404 "not found"; }}
        location / {{ return 200 "<html><title>page</title><body>ok</body></html>"; }}
    }}
}}
"""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class NginxServer:
    """One nginx serving generated rules on `http://127.0.0.1:port`."""

    def __init__(self, prefix: Path, port: int | None = None) -> None:
        self.binary = require_binary("nginx", "/usr/sbin/nginx")
        self.prefix = prefix
        self.port = port or free_port()
        self.generation = 0
        self.process: subprocess.Popen[bytes] | None = None
        for sub in ("logs", "tmp"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write(self, http_part: str, server_part: str) -> None:
        """Write the generated parts and the main config around them."""
        self.generation += 1
        (self.prefix / "linkcheck.conf").write_text(http_part, encoding="utf-8")
        (self.prefix / "linkcheck.server.conf").write_text(server_part, encoding="utf-8")
        (self.prefix / "nginx.conf").write_text(
            _MAIN.format(prefix=self.prefix, port=self.port, generation=self.generation),
            encoding="utf-8",
        )

    def _command(self, *extra: str) -> list[str]:
        return [self.binary, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"), *extra]

    def test_config(self) -> subprocess.CompletedProcess[str]:
        """`nginx -t` on the written config (stderr holds the verdict)."""
        return subprocess.run(
            self._command("-t"), capture_output=True, text=True, timeout=60, check=False
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            self._command("-g", "daemon off;"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_for_generation()

    def reload(self, http_part: str, server_part: str) -> None:
        """Serve other rules: rewrite the files and send SIGHUP, then wait for them."""
        assert self.process is not None
        self.write(http_part, server_part)
        checked = self.test_config()
        assert checked.returncode == 0, checked.stderr
        old_workers = self._workers()
        self.process.send_signal(signal.SIGHUP)
        self._wait_for_generation()
        # Old workers keep accepting for a moment after a reload: wait until they are gone.
        deadline = time.monotonic() + 20
        while old_workers & self._workers() and time.monotonic() < deadline:
            time.sleep(0.02)

    def _workers(self) -> set[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return {int(pid) for pid in children.read_text().split()}
        except OSError:
            return set()

    def _wait_for_generation(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"nginx exited ({self.process.returncode}): {err}")
            try:
                # a Host no rule serves, so that no generated rule shadows the probe
                status, _, body = self.raw_get("/__generation", host="probe.invalid")
                if status == 200 and body == str(self.generation).encode():
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("nginx did not start serving in time")

    def raw_get(self, target: str, host: str | None = None) -> tuple[int, list[str], bytes]:
        """Send `GET target` byte for byte; (status, raw header lines, body)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            request = (
                f"GET {target} HTTP/1.1\r\nHost: {host or '127.0.0.1'}\r\nConnection: close\r\n\r\n"
            ).encode()
            sock.sendall(request)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        raw = b"".join(chunks)
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        return status, lines[1:], body

    def location(self, target: str, host: str | None = None) -> tuple[int, str | None]:
        """(status, Location header as sent, decoded as UTF-8) for a raw request."""
        status, lines, _ = self.raw_get(target, host)
        for line in lines:
            name, _, value = line.partition(":")
            if name.lower() == "location":
                return status, value.strip().encode("latin-1").decode("utf-8")
        return status, None

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None
