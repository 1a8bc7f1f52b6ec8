"""Harness for end-to-end tests: runs the real `replyd` binary on ephemeral ports in a temp dir.

Each test gets its own data directory, certificate directory and configuration file, so tests are
parallel-safe. The binary is taken from $REPLYD_BIN (scripts/test sets it) or .build/debug/replyd.
"""
import base64
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from dns_server import DNSServer

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("REPLYD_BIN", ROOT / ".build" / "debug" / "replyd"))


class Server:
    """A running `replyd serve`. `smtp_port`/`http_port` are the real bound ports."""

    def __init__(self, workdir: Path, config_text: str, extra_args=()):
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.certs_dir = workdir / "certs"
        self.config_path = workdir / "replyd.toml"
        self.config_path.write_text(on_test_store(workdir, config_text))
        self.extra_args = list(extra_args)
        self.proc = None
        self.output = []
        self.start()

    def rewrite_config(self, config_text: str):
        """A new configuration for the next start (on the same test store)."""
        self.config_path.write_text(on_test_store(self.workdir, config_text))

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


# Every message is SPF-checked at SMTP time (replies.require_spf defaults to "not-fail"). Servers the
# tests start ask this name server, which knows no names (NXDOMAIN: SPF "none"), rather than the
# machine's, so no test depends on the network; SPF tests bring their own zones.
NULL_DNS = DNSServer({}).start()

DEFAULT_CONFIG = f"""
[server]
hostname = "localhost"
shutdown_grace = "5s"

[tls]
dev_cert_dir = "certs"

[mail]
local_domains = ["example.test"]
catch_all = true

[delivery]
resolver = "{NULL_DNS.address}"
"""


# REPLYD_E2E_STORE=postgres runs a module's servers on PostgreSQL instead of SQLite (scripts/test does
# so for the modules that talk to replyd only through SMTP, HTTP and the CLI): each server directory
# gets a database of its own on the server in REPLYD_TEST_POSTGRES_URL, kept across its restarts.
E2E_STORE = os.environ.get("REPLYD_E2E_STORE", "sqlite")


def new_postgres_database(server_url: str) -> str:
    """The URL of a new, empty database on the PostgreSQL server at `server_url` (its superuser's URL)."""
    name = "e2e_" + uuid.uuid4().hex[:16]
    subprocess.run(["psql", server_url, "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE DATABASE {name}"],
                   check=True, capture_output=True, timeout=60)
    return server_url.rsplit("/", 1)[0] + "/" + name + "?sslmode=disable"


def on_test_store(workdir: Path, config_text: str) -> str:
    if E2E_STORE != "postgres" or "[storage]" in config_text:
        return config_text
    marker = workdir / "postgres-database"
    if not marker.exists():
        marker.write_text(new_postgres_database(os.environ["REPLYD_TEST_POSTGRES_URL"]))
    return config_text + f'\n[storage]\nbackend = "postgres"\npostgres_url = "{marker.read_text()}"\npostgres_pool_size = 4\n'


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


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """A test CA and a leaf for localhost / 127.0.0.1 (relays', SMS providers' certificates)."""
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def make_dns():
    """Factory: make_dns(zones) -> a started DNSServer (tests/e2e/dns_server.py), stopped after the test."""
    servers = []

    def factory(zones):
        server = DNSServer(zones).start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


# ---------------------------------------------------------------------------------------------------
# Client-side helpers shared by the end-to-end tests: a raw SMTP client (for byte-exact and
# misbehaving input), an smtplib wrapper (the way users' systems talk), and read-only SQLite access.
# ---------------------------------------------------------------------------------------------------
import smtplib
import uuid

QUEUED_RE = re.compile(r"^2\.0\.0 Ok: queued as (\d+)$")


class Reply:
    """One (possibly multi-line) SMTP reply as received."""

    def __init__(self, lines):
        self.lines = lines  # decoded lines without CRLF, e.g. ["250-localhost Hello x", "250 SIZE 10"]
        self.code = int(lines[-1][:3])

    @property
    def last(self) -> str:
        return self.lines[-1]

    @property
    def keywords(self):
        """EHLO keywords: every line after the first, without the code."""
        return [line[4:] for line in self.lines[1:]]

    def __repr__(self):
        return "Reply(" + " | ".join(self.lines) + ")"


def assert_reply(reply: Reply, prefix: str):
    """The reply's last line starts with `prefix` (e.g. "250 2.1.0") and every line has its code."""
    assert reply.last.startswith(prefix), f"expected {prefix!r}, got {reply!r}"
    code = prefix[:3]
    assert all(line[:3] == code for line in reply.lines), f"mixed codes in {reply!r}"
    return reply


class RawSMTP:
    """A byte-level SMTP client: sends exactly what it is told, reads replies line by line."""

    def __init__(self, server, timeout=10, read_greeting=True):
        self.sock = server.connect(timeout)
        self.buf = b""
        self.greeting = self.reply() if read_greeting else None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError(f"connection closed by server (unread: {self.buf!r})")
        self.buf += chunk

    def line(self) -> bytes:
        while b"\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r")

    def reply(self) -> Reply:
        lines = []
        while True:
            text = self.line().decode("utf-8", "replace")
            assert re.match(r"^\d{3}[ -]", text), f"not an SMTP reply line: {text!r} (so far {lines})"
            lines.append(text)
            if text[3] == " ":
                return Reply(lines)

    def cmd(self, line) -> Reply:
        if isinstance(line, str):
            line = line.encode()
        self.send(line + b"\r\n")
        return self.reply()

    def ehlo(self, name="client.test") -> Reply:
        return assert_reply(self.cmd(f"EHLO {name}"), "250 ")

    def starttls(self, context, server_hostname="localhost"):
        assert_reply(self.cmd("STARTTLS"), "220 2.0.0")
        assert self.buf == b"", f"server sent more after 220 to STARTTLS: {self.buf!r}"
        self.sock = context.wrap_socket(self.sock, server_hostname=server_hostname)

    def read_until_closed(self, limit=10_000_000) -> bytes:
        """Everything the server sends until it closes the connection (a reset counts as closed)."""
        data, self.buf = self.buf, b""
        while len(data) < limit:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
        return data

    def expect_closed(self):
        rest = self.read_until_closed()
        assert rest == b"", f"expected the server to close the connection, got {rest!r}"


def make_message(subject="Hello", body="Hi there.\r\n", sender="Sender <sender@client.test>",
                 to="alice@example.test", extra_headers=(), message_id=None) -> bytes:
    """An RFC 5322 message with CRLF line ends (str parts are UTF-8 encoded)."""
    message_id = message_id or f"<{uuid.uuid4().hex}@client.test>"
    headers = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Message-ID: {message_id}",
               "Date: Wed, 25 Nov 2026 10:00:00 +0000", *extra_headers]
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode("utf-8")


def send_mail(server, message: bytes, sender="sender@client.test", rcpts=("alice@example.test",),
              tls=False, context=None, mail_options=(), ehlo_name="client.test"):
    """Sends with smtplib as a user's system would. Returns (code, text) of the reply after DATA."""
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname=ehlo_name, timeout=15) as client:
        code, text = client.ehlo()
        assert code == 250, text
        if tls:
            code, text = client.starttls(context=context or server.tls_context())
            assert code == 220, text
            code, text = client.ehlo()
            assert code == 250, text
        code, text = client.mail(sender, list(mail_options))
        assert code == 250, (code, text)
        for rcpt in rcpts:
            code, text = client.rcpt(rcpt)
            assert code == 250, (rcpt, code, text)
        code, text = client.data(message)
        return code, text.decode("utf-8", "replace")


def queued_id(text: str) -> int:
    m = QUEUED_RE.match(text)
    assert m, f"expected '2.0.0 Ok: queued as <id>', got {text!r}"
    return int(m.group(1))


def deliver(server, message: bytes, **kwargs) -> int:
    """send_mail that must succeed; returns the queue id (= inbound_message.id)."""
    code, text = send_mail(server, message, **kwargs)
    assert code == 250, (code, text)
    return queued_id(text)


def cli_lines(server, *args) -> list:
    """A read command's --json output, one JSON object per line."""
    return [json.loads(line) for line in server.run_cli(*args, "--json").stdout.splitlines() if line.strip()]


def explain(server, message_id: int) -> dict:
    """`replyd explain ID --json` (= GET /api/v1/messages/{id}): the message, its header fields,
    its bytes (`raw`, decoded here; None once pruned) and every decision."""
    result = json.loads(server.run_cli("explain", str(message_id), "--json").stdout)
    result["raw"] = base64.b64decode(result["raw"]) if "raw" in result else None
    return result


def log_entries(server) -> list:
    """Every inbound message as `replyd log --json` lists it, oldest first."""
    return list(reversed(cli_lines(server, "log", "--limit", "1000000")))


def message_count(server) -> int:
    return len(log_entries(server))


def stored(server, message_id: int) -> dict:
    """The stored message: the log entry plus `headers` [(name, value)] and `raw` bytes."""
    result = explain(server, message_id)
    message = result["message"]
    message["headers"] = [(field["name"], field["value"]) for field in result["headers"]]
    message["raw"] = result["raw"]
    return message


def queue_item(server, outbound_id: int) -> dict:
    """`replyd queue show ID --json` (= GET /api/v1/queue/{id}) with `data` as the bytes sent."""
    item = json.loads(server.run_cli("queue", "show", str(outbound_id), "--json").stdout)
    item["data"] = base64.b64decode(item.pop("content", ""))
    return item


def queue_items(server) -> list:
    """Every queue item of every status, oldest first, each as `queue_item` gives it."""
    ids = sorted(entry["id"] for entry in cli_lines(server, "queue", "list", "--all", "--limit", "1000000"))
    return [queue_item(server, i) for i in ids]


def trickle(sock, data: bytes, pause: float):
    """Sends `data` one byte every `pause` seconds until the server answers or closes. Returns
    (bytes sent, what was read: b"" when the server closed without a word, None when it never
    spoke)."""
    sock.settimeout(pause)
    sent = 0
    for byte in data:
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            return sent, b""
        sent += 1
        try:
            return sent, sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return sent, b""
    return sent, None


def assert_still_serves(server, tls=False) -> int:
    """A normal smtplib send gets 250 and is stored: the server survived whatever came before."""
    subject = f"still serving {uuid.uuid4().hex[:8]}"
    message = make_message(subject=subject)
    message_id = deliver(server, message, tls=tls)
    row = stored(server, message_id)
    assert row["subject"] == subject
    assert row["raw"] == message
    return message_id


def config_with(**sections) -> str:
    """DEFAULT_CONFIG-like text with extra keys: config_with(smtp={'max_recipients': 3})."""
    base = {
        "server": {"hostname": "localhost", "shutdown_grace": "5s"},
        "tls": {"dev_cert_dir": "certs"},
        "mail": {"local_domains": ["example.test"], "catch_all": True},
        "delivery": {"resolver": NULL_DNS.address},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)

    def toml_value(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(toml_value(v) for v in value) + "]"
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'

    out = []
    for name, values in base.items():
        out.append(f"[{name}]")
        out.extend(f"{key} = {toml_value(value)}" for key, value in values.items())
        out.append("")
    return "\n".join(out)


OPENSSL_CNF = """
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def make_test_pki(directory: Path, ca_name="replyd e2e test CA", leaf_name="replyd-e2e-leaf", key="ec"):
    """A CA and a leaf for localhost/127.0.0.1 made with the openssl CLI. Returns a dict of paths."""
    directory.mkdir(parents=True, exist_ok=True)
    cnf = directory / "openssl.cnf"
    cnf.write_text(OPENSSL_CNF)
    newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] if key == "ec" else ["-newkey", "rsa:2048"]
    paths = {name: directory / f"{name}.pem" for name in ("ca", "ca_key", "leaf", "leaf_key", "csr")}

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    openssl("req", "-x509", "-new", "-config", str(cnf), "-extensions", "v3_ca", *newkey, "-nodes",
            "-keyout", str(paths["ca_key"]), "-out", str(paths["ca"]), "-days", "2", "-subj", f"/CN={ca_name}")
    openssl("req", "-new", "-config", str(cnf), *newkey, "-nodes", "-keyout", str(paths["leaf_key"]),
            "-out", str(paths["csr"]), "-subj", f"/CN={leaf_name}")
    openssl("x509", "-req", "-in", str(paths["csr"]), "-CA", str(paths["ca"]), "-CAkey", str(paths["ca_key"]),
            "-set_serial", str(int(uuid.uuid4().int >> 64)), "-days", "2", "-extfile", str(cnf),
            "-extensions", "v3_leaf", "-out", str(paths["leaf"]))
    return paths


# ---------------------------------------------------------------------------------------------------
# Reply engine helpers: vacation settings through the CLI, decisions and queued replies read back from
# SQLite, replies parsed with Python's `email` package.
# ---------------------------------------------------------------------------------------------------
import email
import email.policy

# A start date safely in the past, so that tests do not depend on "now" (use start=None for the default).
PAST = "2020-01-01"


def set_vacation(server, address, text="Jestem na urlopie.\n", *options, start=PAST, internal=None, check=True):
    """`replyd vacation set ADDRESS --message-file F [--internal-message-file G] --start START OPTIONS...`"""
    files = server.workdir / "vacation-texts"
    files.mkdir(exist_ok=True)
    message_file = files / f"{uuid.uuid4().hex}.txt"
    message_file.write_text(text, encoding="utf-8")
    args = ["vacation", "set", address, "--message-file", str(message_file)]
    if internal is not None:
        internal_file = files / f"{uuid.uuid4().hex}-internal.txt"
        internal_file.write_text(internal, encoding="utf-8")
        args += ["--internal-message-file", str(internal_file)]
    if start is not None:
        args += ["--start", start]
    return server.run_cli(*args, *options, check=check)


def decisions(server, message_id=None):
    """Decisions as `replyd explain --json` gives them (of one inbound message, or of all), each
    with the `message` it is about."""
    ids = [message_id] if message_id is not None else [entry["id"] for entry in log_entries(server)]
    result = []
    for i in ids:
        for decision in explain(server, i)["decisions"]:
            decision["message"] = i
            result.append(decision)
    return result


def only_decision(server, message_id) -> dict:
    rows = decisions(server, message_id)
    assert len(rows) == 1, f"expected one decision for message {message_id}, got {rows}"
    return rows[0]


def outbound_rows(server, message_id=None):
    """Queue items (the replies to one inbound message, or all), oldest first; `data` as bytes."""
    if message_id is None:
        return queue_items(server)
    ids = sorted(d["reply"]["id"] for d in decisions(server, message_id) if d.get("reply"))
    return [queue_item(server, i) for i in ids]


def parse_reply(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def only_reply(server, message_id):
    """The one queued reply to an inbound message: (queue item, parsed message)."""
    rows = outbound_rows(server, message_id)
    assert len(rows) == 1, f"expected one queued reply to message {message_id}, got {rows}"
    return rows[0], parse_reply(rows[0]["data"])


def reply_body(message) -> str:
    """The decoded text body with line ends normalised to \\n (text lines are CRLF on the wire)."""
    return message.get_content().replace("\r\n", "\n")
