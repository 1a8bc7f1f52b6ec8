"""Harness for end-to-end tests: runs the real `replyd` binary on ephemeral ports in a temp dir.

Each test gets its own data directory, certificate directory and configuration file, so tests are
parallel-safe. The binary is taken from $REPLYD_BIN (scripts/test sets it) or .build/debug/replyd.
"""
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("REPLYD_BIN", ROOT / ".build" / "debug" / "replyd"))


class Server:
    """A running `replyd serve`. `smtp_port`/`http_port` are the real bound ports."""

    def __init__(self, workdir: Path, config_text: str, extra_args=()):
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.certs_dir = workdir / "certs"
        self.config_path = workdir / "replyd.toml"
        self.config_path.write_text(config_text)
        self.extra_args = list(extra_args)
        self.proc = None
        self.output = []
        self.start()

    @property
    def db_path(self) -> Path:
        return self.data_dir / "replyd.sqlite"

    @property
    def ca_file(self) -> Path:
        return self.certs_dir / "dev-ca.pem"

    def command(self, *args):
        return [str(BINARY), *args, "--config", str(self.config_path), "--data-dir", str(self.data_dir)]

    def start(self, timeout=30):
        self.output = []
        self.proc = subprocess.Popen(
            self.command("serve", "--smtp-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", *self.extra_args),
            cwd=self.workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        ready = threading.Event()
        ports = {}

        def pump():
            for line in self.proc.stdout:
                self.output.append(line)
                m = re.search(r"replyd: (smtp|http) listening on [^ ]*:(\d+)", line)
                if m:
                    ports[m.group(1)] = int(m.group(2))
                if "smtp" in ports and "http" in ports:
                    ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(timeout) or "smtp" not in ports:
            self.proc.kill()
            raise RuntimeError("replyd did not start:\n" + "".join(self.output))
        self.smtp_port = ports["smtp"]
        self.http_port = ports.get("http")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def run_cli(self, *args, check=True):
        result = subprocess.run(self.command(*args), cwd=self.workdir, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"replyd {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def tls_context(self) -> ssl.SSLContext:
        """A client context that verifies the server against the development CA, as a user would."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        return context

    def connect(self, timeout=10) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.smtp_port), timeout=timeout)


DEFAULT_CONFIG = """
[server]
hostname = "localhost"
shutdown_grace = "5s"

[tls]
dev_cert_dir = "certs"

[mail]
local_domains = ["example.test"]
catch_all = true
"""


@pytest.fixture
def make_server(tmp_path):
    """Factory: make_server(config_text=None, extra_args=()) -> Server. Stopped after the test."""
    servers = []

    def factory(config_text=None, extra_args=(), subdir=None):
        workdir = tmp_path / (subdir or f"srv{len(servers)}")
        workdir.mkdir(parents=True, exist_ok=True)
        server = Server(workdir, config_text if config_text is not None else DEFAULT_CONFIG, extra_args)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop(signal.SIGKILL)


@pytest.fixture
def server(make_server):
    return make_server()
