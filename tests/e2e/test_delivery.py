"""Outbound delivery end to end (issue 4): the real server queues a vacation reply and delivers it to a
local SMTP sink (tests/e2e/smtp_sink.py) that plays the relay or the MX host, over STARTTLS verified
against a test CA, or to MX hosts found through a local DNS server (tests/e2e/dns_server.py).

The sink can be told to answer 250/4xx/5xx, hang or drop the connection at every step; the outcome is
read back through `replyd queue show --json` (the item and every delivery attempt), `replyd queue list`
and `replyd log`. The crash test queues
500 replies and `kill -9`s the server in the middle of delivering them.
"""
import json
import smtplib
import subprocess
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from conftest import (BINARY, OPENSSL_CNF, config_with, deliver, make_message, make_test_pki, outbound_rows,
                      parse_reply, queue_item, set_vacation)
from smtp_sink import SMTPSink

MAILBOX = "jan@example.test"
SENDER = "ewa@klient.test"
# Lines that start with a dot, so that dot-stuffing is exercised whatever the body encoding keeps of them.
VACATION_TEXT = "Jestem na urlopie do piątku.\n.\n..kropki\n. kropka na początku\nZażółć gęślą jaźń\n"


# --- fixtures --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def other_pki(tmp_path_factory):
    """A second, unrelated CA with its own leaf for localhost: not trusted by replyd."""
    return make_test_pki(tmp_path_factory.mktemp("other-pki"), ca_name="some other CA")


@pytest.fixture(scope="module")
def wrong_name_leaf(pki, tmp_path_factory):
    """A leaf signed by the trusted test CA, but for mail.other.test only (not localhost)."""
    directory = tmp_path_factory.mktemp("wrong-name")
    cnf = directory / "openssl.cnf"
    cnf.write_text(OPENSSL_CNF.replace("subjectAltName = DNS:localhost, IP:127.0.0.1", "subjectAltName = DNS:mail.other.test"))
    key, csr, cert = directory / "leaf_key.pem", directory / "leaf.csr", directory / "leaf.pem"
    subprocess.run(["openssl", "req", "-new", "-config", str(cnf), "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=mail.other.test"],
                   check=True, capture_output=True, timeout=60)
    subprocess.run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(pki["ca"]), "-CAkey", str(pki["ca_key"]),
                    "-set_serial", str(uuid.uuid4().int >> 64), "-days", "2", "-extfile", str(cnf), "-extensions", "v3_leaf",
                    "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return {"leaf": cert, "leaf_key": key}


@pytest.fixture
def make_sink():
    """Factory: make_sink(**SMTPSink options) -> a started sink, stopped after the test."""
    sinks = []

    def factory(**options):
        sink = SMTPSink(**options).start()
        sinks.append(sink)
        return sink

    yield factory
    for sink in sinks:
        sink.stop()


# --- helpers ---------------------------------------------------------------------------------------------

def delivery_config(**delivery) -> str:
    settings = {"lease": "2s", "poll_interval": "100ms", "connect_timeout": "5s", "command_timeout": "10s",
                "data_timeout": "10s", "first_retry": "1m"}
    settings.update(delivery)
    return config_with(delivery=settings, replies={"max_per_hour": 1_000_000})


def relay_config(sink, tls="required", ca=None, host="localhost", **extra) -> str:
    settings = {"mode": "relay", "relay_host": host, "relay_port": sink.port, "relay_tls": tls}
    if ca is not None:
        settings["ca_file"] = str(ca)
    settings.update(extra)
    return delivery_config(**settings)


def start_server(make_server, config, text=VACATION_TEXT):
    server = make_server(config)
    set_vacation(server, MAILBOX, text)
    return server


def send_to_mailbox(server, sender=SENDER, subject="Spotkanie w poniedziałek") -> int:
    message = make_message(subject=subject, sender=f"Ewa <{sender}>", to=MAILBOX)
    return deliver(server, message, sender=sender, rcpts=[MAILBOX])


def wait_until(predicate, timeout=20.0, what="condition", interval=0.05, diagnostics=None):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f"\n{diagnostics()}" if diagnostics else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{extra}")
        time.sleep(interval)


def queued_reply(server, message_id) -> dict:
    rows = wait_until(lambda: outbound_rows(server, message_id), 10, f"a reply queued for message {message_id}")
    assert len(rows) == 1, rows
    return rows[0]


def queue_reply(server, sender=SENDER, subject="Spotkanie w poniedziałek") -> dict:
    return queued_reply(server, send_to_mailbox(server, sender, subject))


def outbound(server, outbound_id) -> dict:
    """The queue item as `replyd queue show --json` gives it (`data`: the bytes it sends)."""
    return queue_item(server, outbound_id)


def attempts(server, outbound_id):
    """Every delivery attempt of a queue item, oldest first: at, host, outcome, reply_code, detail."""
    return outbound(server, outbound_id)["delivery_attempts"]


def describe(server, outbound_id):
    def text():
        row = outbound(server, outbound_id)
        row.pop("data")
        tries = row.pop("delivery_attempts")
        return f"queue item: {row}\nattempts: {tries}\nserver output (tail):\n{''.join(server.output[-15:])}"
    return text


def wait_outbound(server, outbound_id, predicate, what, timeout=20.0) -> dict:
    return wait_until(lambda: (lambda row: row if predicate(row) else None)(outbound(server, outbound_id)),
                      timeout, f"outbound {outbound_id}: {what}", diagnostics=describe(server, outbound_id))


def wait_sent(server, outbound_id, timeout=20.0):
    return wait_outbound(server, outbound_id, lambda r: r["status"] != "pending" or r["attempts"] > 0, "first outcome", timeout) \
        and wait_outbound(server, outbound_id, lambda r: r["status"] == "sent", "status 'sent'", 1.0)


def wait_deferred(server, outbound_id, count=1, timeout=20.0):
    row = wait_outbound(server, outbound_id, lambda r: r["status"] not in ("pending", "deferred") or r["attempts"] >= count,
                        f"{count} attempt(s)", timeout)
    assert row["status"] == "deferred", f"expected status 'deferred', got:\n{describe(server, outbound_id)()}"
    assert row["attempts"] == count, describe(server, outbound_id)()
    return row


def wait_failed(server, outbound_id, timeout=20.0):
    return wait_outbound(server, outbound_id, lambda r: r["status"] in ("sent", "failed", "dropped"), "a final status", timeout)


def json_time(text) -> datetime:
    """A time as the JSON outputs give it (ISO 8601, e.g. '2026-11-25T10:00:00Z')."""
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def dot_stuffed(data: bytes) -> bytes:
    """What RFC 5321 4.5.2 puts on the wire for `data` (CRLF lines), final '.' included."""
    lines = data.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines) + b".\r\n"


def queue_json(server, *args):
    out = server.run_cli("queue", "list", "--json", *args).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def log_deliveries(server, message_id):
    """The delivery outcome(s) `replyd log --json` shows for an inbound message."""
    for line in server.run_cli("log", "--json").stdout.splitlines():
        entry = json.loads(line)
        if entry["id"] == message_id:
            return entry["deliveries"]
    raise AssertionError(f"message {message_id} not in replyd log")


def mail_commands(sink):
    return [line for session in sink.all_sessions() for _, line in session.commands if line.upper().startswith("MAIL")]


def assert_not_sent(server, sink, outbound_id):
    assert sink.messages == [], f"the sink received a message: {sink.messages}"
    assert mail_commands(sink) == [], "MAIL FROM reached the sink"
    assert outbound(server, outbound_id).get("sent_at") is None


def assert_one_temporary_attempt(server, outbound_id, *fragments):
    rows = attempts(server, outbound_id)
    assert [r["outcome"] for r in rows] == ["temporary"], rows
    row = outbound(server, outbound_id)
    for fragment in fragments:
        # A fragment is a word the error must contain, or a tuple of alternatives.
        choices = [fragment.lower()] if isinstance(fragment, str) else [f.lower() for f in fragment]
        assert any(c in (row.get("last_error") or "").lower() for c in choices), (fragment, row.get("last_error"))
        assert any(c in rows[0]["detail"].lower() for c in choices), (fragment, rows[0])
    assert rows[0].get("tls_version") is None, rows[0]
    # Back-off: the first retry is first_retry (1m) after the attempt.
    delay = json_time(row["next_attempt_at"]) - json_time(rows[0]["at"])
    assert timedelta(seconds=50) <= delay <= timedelta(seconds=70), (row["next_attempt_at"], rows[0]["at"])
    return rows[0]


# --- relay: success --------------------------------------------------------------------------------------

def test_relay_starttls_verified_delivers_the_queued_reply(make_server, make_sink, pki):
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"])
    server = start_server(make_server, relay_config(sink, "required", ca=pki["ca"]))
    queued = queue_reply(server)
    assert queued["envelope_sender"] == "" and queued["recipient"] == SENDER

    sent = wait_sent(server, queued["id"])
    (message,) = sink.wait_messages(1)
    assert message.data == queued["data"], "the sink got other bytes than the queued reply"
    assert message.wire == dot_stuffed(queued["data"]), "not dot-stuffed as RFC 5321 4.5.2 says"
    assert message.mail_from == ""  # MAIL FROM:<>
    assert message.rcpt_tos == [SENDER]
    assert message.tls and message.tls_version in ("TLSv1.2", "TLSv1.3"), message
    assert f"SIZE={len(queued['data'])}" in [p.upper() for p in message.mail_params], message.mail_params
    reply = parse_reply(message.data)
    assert reply["Auto-Submitted"] == "auto-replied"
    assert [a.addr_spec for a in reply["To"].addresses] == [SENDER]
    assert "Zażółć gęślą jaźń" in reply.get_content()

    assert sent["attempts"] == 1 and sent.get("last_error") is None
    assert sent.get("sent_at") is not None
    assert sent["remote_host"] == f"localhost:{sink.port}", sent["remote_host"]
    (attempt,) = sent["delivery_attempts"]
    assert attempt["outcome"] == "delivered" and attempt["reply_code"] == 250, attempt
    assert attempt.get("tls_version") == message.tls_version, attempt
    assert attempt["host"] == f"localhost:{sink.port}"
    assert "queued as S1" in attempt["detail"], attempt

    # One connection: EHLO, STARTTLS, EHLO again, then the transaction over TLS and QUIT.
    sink.wait_for(lambda s: all(x.closed for x in s.sessions), 10, "the connection to close")
    (session,) = sink.all_sessions()
    assert session.verbs() == ["EHLO", "STARTTLS", "EHLO", "MAIL", "RCPT", "DATA", "QUIT"], session.commands
    assert [tls for tls, _ in session.commands] == [False, False, True, True, True, True, True]
    assert session.helo == "localhost"  # helo_name defaults to server.hostname
    # PIPELINING offered: MAIL, RCPT and DATA came in one write (RFC 2920).
    assert session.commands[3][1].upper().startswith("MAIL FROM:<>")
    assert session.pipelined[3:5] == [True, True], session.pipelined

    listed = queue_json(server, "--all")
    assert [(e["id"], e["status"]) for e in listed] == [(queued["id"], "sent")], listed
    assert log_deliveries(server, queued["message"]) == ["sent"]
    assert "replied (sent)" in server.run_cli("log").stdout
    assert server.run_cli("queue").stdout.strip() == "queue is empty"


@pytest.mark.parametrize("sink_options, tls, expected_verbs", [
    ({"esmtp": False}, "none", ["EHLO", "HELO", "MAIL", "RCPT", "DATA", "QUIT"]),
    ({"pipelining": False}, "none", ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"]),
    ({"starttls": False}, "opportunistic", ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"]),
    ({"use_other_ca": True}, "opportunistic", ["EHLO", "STARTTLS", "EHLO", "MAIL", "RCPT", "DATA", "QUIT"]),
], ids=["helo-fallback", "no-pipelining", "opportunistic-clear", "opportunistic-unverified-tls"])
def test_relay_variants_deliver(make_server, make_sink, pki, other_pki, sink_options, tls, expected_verbs):
    options = dict(sink_options)
    if options.pop("use_other_ca", False):
        options.update(cert=other_pki["leaf"], key=other_pki["leaf_key"])  # not trusted: fine for opportunistic
    sink = make_sink(**options)
    server = start_server(make_server, relay_config(sink, tls, ca=pki["ca"]))
    queued = queue_reply(server)
    sent = wait_sent(server, queued["id"])
    (message,) = sink.wait_messages(1)
    assert message.data == queued["data"]
    assert message.wire == dot_stuffed(queued["data"])
    assert (message.mail_from, message.rcpt_tos) == ("", [SENDER])
    sink.wait_for(lambda s: all(x.closed for x in s.sessions), 10, "the connection to close")
    (session,) = sink.all_sessions()
    assert session.verbs() == expected_verbs, session.commands
    (attempt,) = sent["delivery_attempts"]
    assert attempt["outcome"] == "delivered"
    assert (attempt.get("tls_version") is not None) == ("STARTTLS" in expected_verbs), attempt
    assert message.tls == ("STARTTLS" in expected_verbs)
    if not options.get("pipelining", True) or options.get("esmtp") is False:
        # One command at a time: nothing was buffered behind MAIL or RCPT when they were read.
        mail_index = session.verbs().index("MAIL")
        assert not session.pipelined[mail_index] and not session.pipelined[mail_index + 1], session.pipelined
    if options.get("esmtp") is False:
        assert message.mail_params == [], "SIZE/BODY parameters sent to a server that did not say EHLO"
    assert sent["remote_host"] == f"localhost:{sink.port}"


def test_one_session_carries_successive_replies_and_quits_when_idle(make_server, make_sink, pki):
    """Like an MTA's connection cache: replies to the same relay reuse the TLS session (no new
    handshake, greeting or EHLO), and an idle session is closed with QUIT after connection_cache_time."""
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"])
    server = start_server(make_server, relay_config(sink, "required", ca=pki["ca"], concurrency=1,
                                                    connection_cache_time="15s"))
    ids = []
    for n in range(3):
        ids.append(queue_reply(server, sender=f"klient{n}@example.org")["id"])
        wait_sent(server, ids[-1])
    messages = sink.wait_messages(3)
    assert sorted(m.rcpt_tos[0] for m in messages) == [f"klient{n}@example.org" for n in range(3)]
    # 15 s of idle time: room for the CLI calls between replies on a loaded machine.
    sink.wait_for(lambda s: all(x.closed for x in s.sessions), 45, "the idle session to be closed")
    (session,) = sink.all_sessions()
    assert session.verbs() == ["EHLO", "STARTTLS", "EHLO"] + ["MAIL", "RCPT", "DATA"] * 3 + ["QUIT"], session.commands
    for outbound_id in ids:
        (attempt,) = attempts(server, outbound_id)
        assert attempt["outcome"] == "delivered" and attempt.get("tls_version"), attempt


def test_a_reply_after_the_relay_closed_the_idle_session_goes_over_a_new_one(make_server, make_sink, pki):
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"])
    server = start_server(make_server, relay_config(sink, "required", ca=pki["ca"], connection_cache_time="1m"))
    first = queue_reply(server, sender="klient0@example.org")
    wait_sent(server, first["id"])
    sink.wait_messages(1)
    sink.drop_connections()
    second = queue_reply(server, sender="klient1@example.org")
    sent = wait_sent(server, second["id"])
    assert sent["attempts"] == 1 and sent.get("last_error") is None, sent
    sink.wait_messages(2)
    assert len(sink.all_sessions()) == 2


# --- relay: TLS refused or failing -------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["not-offered", "refused-454"])
def test_required_tls_never_sends_in_clear_text(make_server, make_sink, pki, case):
    if case == "not-offered":
        sink = make_sink()  # no STARTTLS at all
    else:
        sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"], behaviour={"starttls": (454, "4.7.0 TLS not available now")})
    server = start_server(make_server, relay_config(sink, "required", ca=pki["ca"]))
    queued = queue_reply(server)
    wait_deferred(server, queued["id"])
    assert_one_temporary_attempt(server, queued["id"], "STARTTLS")
    assert_not_sent(server, sink, queued["id"])
    assert all(not s.tls for s in sink.all_sessions())


@pytest.mark.parametrize("case", ["untrusted-ca", "wrong-hostname"])
def test_required_tls_with_a_certificate_that_does_not_verify_is_deferred(make_server, make_sink, pki, other_pki,
                                                                         wrong_name_leaf, case):
    leaf = other_pki if case == "untrusted-ca" else wrong_name_leaf
    sink = make_sink(cert=leaf["leaf"], key=leaf["leaf_key"])
    server = start_server(make_server, relay_config(sink, "required", ca=pki["ca"]))
    queued = queue_reply(server)
    wait_deferred(server, queued["id"])
    assert_one_temporary_attempt(server, queued["id"], ("TLS", "SSL", "certificate"))
    assert_not_sent(server, sink, queued["id"])
    (session,) = sink.all_sessions()
    # Nothing after STARTTLS: replyd gave up at the handshake (or right after it, for the name check).
    assert session.verbs() == ["EHLO", "STARTTLS"], session.commands
    if case == "untrusted-ca":
        assert not session.tls, session


# --- temporary and permanent failures ---------------------------------------------------------------------

def test_4xx_at_rcpt_defers_with_backoff_then_queue_retry_sends(make_server, make_sink, pki):
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"], behaviour={"rcpt": (451, "4.7.1 Greylisted, try later")})
    server = start_server(make_server, relay_config(sink, "required", ca=pki["ca"], first_retry="1m", max_retry_interval="3m"))
    queued = queue_reply(server)
    oid = queued["id"]

    row = wait_deferred(server, oid, 1)
    first = assert_one_temporary_attempt(server, oid, "451", "Greylisted")
    assert first.get("reply_code") == 451
    assert sink.messages == []
    (entry,) = queue_json(server)
    assert (entry["id"], entry["status"], entry["attempts"]) == (oid, "deferred", 1), entry
    assert "451" in entry["last_error"], entry
    assert log_deliveries(server, queued["message"]) == ["deferred"]

    # Still failing: each retry doubles the interval (1m, 2m, then capped at max_retry_interval 3m).
    for count, minutes in ((2, 2), (3, 3)):
        server.run_cli("queue", "retry", str(oid))
        row = wait_deferred(server, oid, count)
        last = row["delivery_attempts"][-1]
        delay = json_time(row["next_attempt_at"]) - json_time(last["at"])
        assert timedelta(minutes=minutes, seconds=-10) <= delay <= timedelta(minutes=minutes, seconds=10), (count, delay)
    assert sink.messages == []

    sink.behave(rcpt=None)  # the relay is fixed
    out = server.run_cli("queue", "retry", str(oid)).stdout
    assert f"{oid}" in out
    sent = wait_sent(server, oid)
    (message,) = sink.wait_messages(1)
    assert message.data == queued["data"]
    assert sent["attempts"] == 4 and sent.get("last_error") is None, sent
    assert [(a["outcome"], a.get("reply_code")) for a in sent["delivery_attempts"]] == \
        [("temporary", 451)] * 3 + [("delivered", 250)]


@pytest.mark.parametrize("step, answer", [
    ("eod", (554, "5.7.1 Message rejected as spam")),
    ("rcpt", (550, "5.1.1 No such user here")),
    ("mail", (553, "5.7.1 Sender address rejected")),
])
def test_5xx_is_a_permanent_failure_at_once(make_server, make_sink, pki, step, answer):
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"], behaviour={step: answer})
    server = start_server(make_server, relay_config(sink, "required", ca=pki["ca"]))
    queued = queue_reply(server)
    row = wait_failed(server, queued["id"])
    assert row["status"] == "failed", describe(server, queued["id"])()
    assert row["attempts"] == 1
    last_error = row.get("last_error", "")
    assert str(answer[0]) in last_error and answer[1].split(" ", 1)[1] in last_error, last_error
    assert row.get("sent_at") is None
    (attempt,) = row["delivery_attempts"]
    assert (attempt["outcome"], attempt.get("reply_code")) == ("permanent", answer[0]), attempt
    assert sink.messages == []
    if step == "eod":
        (rejected,) = sink.rejected
        assert rejected.data == queued["data"]
    # Not tried again: a second connection would show up within a few poll intervals.
    time.sleep(1.0)
    assert sink.connections == 1
    (entry,) = queue_json(server)
    assert (entry["id"], entry["status"]) == (queued["id"], "failed")
    assert str(answer[0]) in entry["last_error"]
    assert log_deliveries(server, queued["message"]) == ["failed"]


@pytest.mark.parametrize("step", ["greeting", "mail", "eod"])
def test_hung_server_times_out_and_is_deferred(make_server, make_sink, pki, step):
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"], behaviour={step: "hang"})
    server = start_server(make_server, relay_config(sink, "required", ca=pki["ca"], command_timeout="1s", data_timeout="1s"))
    queued = queue_reply(server)
    wait_deferred(server, queued["id"])
    assert_one_temporary_attempt(server, queued["id"], "time-out")
    assert sink.messages == [] and sink.rejected == []
    assert outbound(server, queued["id"]).get("sent_at") is None
    # replyd gave up on the connection (the sink only closes when the client does).
    sink.wait_for(lambda s: all(x.closed for x in s.sessions), 10, "replyd to close the hung connection")


@pytest.mark.parametrize("step", ["body", "eod"])
def test_connection_dropped_mid_data_is_deferred(make_server, make_sink, pki, step):
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"], behaviour={step: "drop"})
    server = start_server(make_server, relay_config(sink, "required", ca=pki["ca"]))
    queued = queue_reply(server)
    wait_deferred(server, queued["id"])
    assert_one_temporary_attempt(server, queued["id"])
    assert outbound(server, queued["id"]).get("last_error"), "no error recorded"
    assert sink.messages == []
    assert outbound(server, queued["id"]).get("sent_at") is None
    assert "DATA" in sink.all_sessions()[0].verbs()


def test_connection_refused_is_deferred(make_server, make_sink):
    sink = make_sink()
    port = sink.port
    sink.stop()  # nothing listens there any more
    config = delivery_config(mode="relay", relay_host="127.0.0.1", relay_port=port, relay_tls="none")
    server = start_server(make_server, config)
    queued = queue_reply(server)
    wait_deferred(server, queued["id"])
    assert_one_temporary_attempt(server, queued["id"])
    assert outbound(server, queued["id"]).get("last_error")


# --- AUTH ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mechanisms, expected", [(("PLAIN", "LOGIN"), "PLAIN"), (("LOGIN",), "LOGIN")])
def test_auth_only_after_tls_with_the_configured_credentials(make_server, make_sink, pki, mechanisms, expected):
    user, password = "replyd-relay", "tajne hasło 42"
    # A careless relay that offers AUTH before TLS too: replyd must still not use it in clear text.
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"], auth={user: password}, auth_mechanisms=mechanisms,
                     auth_in_clear=True)
    server = start_server(make_server, relay_config(sink, "required", ca=pki["ca"], username=user, password=password))
    queued = queue_reply(server)
    wait_sent(server, queued["id"])
    (message,) = sink.wait_messages(1)
    assert message.auth_user == user and message.tls
    (session,) = sink.all_sessions()
    assert session.auth_attempts == [(expected, user, password, True, True)], session.auth_attempts
    verbs = session.verbs()
    assert verbs.index("STARTTLS") < verbs.index("AUTH") < verbs.index("MAIL"), verbs
    clear = [line for tls, line in session.commands if not tls]
    assert not any(line.upper().startswith("AUTH") for line in clear), clear
    assert all(tls for tls, line in session.commands[verbs.index("AUTH"):]), session.commands
    assert password not in "".join(clear)


def test_wrong_credentials_are_a_permanent_failure(make_server, make_sink, pki):
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"], auth={"replyd-relay": "right"})
    server = start_server(make_server, relay_config(sink, "required", ca=pki["ca"], username="replyd-relay", password="wrong"))
    queued = queue_reply(server)
    row = wait_failed(server, queued["id"])
    assert row["status"] == "failed" and "535" in row.get("last_error", ""), row
    assert sink.messages == [] and mail_commands(sink) == []
    (session,) = sink.all_sessions()
    assert [(m, u, p, tls) for m, u, p, tls, _ in session.auth_attempts] == [("PLAIN", "replyd-relay", "wrong", True)]


@pytest.mark.parametrize("tls", ["none", "opportunistic"])
def test_config_refuses_credentials_without_verified_tls(tmp_path, tls):
    config = tmp_path / "replyd.toml"
    config.write_text(config_with(delivery={"mode": "relay", "relay_host": "127.0.0.1", "relay_tls": tls,
                                            "username": "u", "password": "p"}))
    result = subprocess.run([str(BINARY), "check-config", "--config", str(config), "--data-dir", str(tmp_path / "data")],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode != 0, result
    assert "relay_tls" in result.stdout + result.stderr, result


# --- implicit TLS ----------------------------------------------------------------------------------------

def test_implicit_tls_relay(make_server, make_sink, pki):
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"], implicit_tls=True, starttls=False)
    server = start_server(make_server, relay_config(sink, "implicit", ca=pki["ca"]))
    queued = queue_reply(server)
    wait_sent(server, queued["id"])
    (message,) = sink.wait_messages(1)
    assert message.data == queued["data"] and message.tls
    (session,) = sink.all_sessions()
    assert session.implicit_tls and "STARTTLS" not in session.verbs()
    (attempt,) = attempts(server, queued["id"])
    assert attempt["outcome"] == "delivered", attempt
    assert attempt.get("tls_version") == message.tls_version, attempt


def test_implicit_tls_with_an_untrusted_certificate_is_deferred(make_server, make_sink, pki, other_pki):
    sink = make_sink(cert=other_pki["leaf"], key=other_pki["leaf_key"], implicit_tls=True, starttls=False)
    server = start_server(make_server, relay_config(sink, "implicit", ca=pki["ca"]))
    queued = queue_reply(server)
    wait_deferred(server, queued["id"])
    assert_one_temporary_attempt(server, queued["id"])
    assert sink.messages == [] and mail_commands(sink) == []


# --- MX mode ---------------------------------------------------------------------------------------------

def sink_pair(make_sink, first_options, second_options):
    """A sink on 127.0.0.1:P and another on 127.0.0.2:P (mx_port is one port for every MX host)."""
    for _ in range(20):
        second = make_sink(host="127.0.0.1", **second_options)
        try:
            first = make_sink(host="127.0.0.2", port=second.port, **first_options)
        except OSError:
            second.stop()
            continue
        return first, second
    pytest.skip("could not bind the same port on 127.0.0.1 and 127.0.0.2")


def mx_config(dns, port, tls="opportunistic", **extra) -> str:
    return delivery_config(mode="mx", mx_port=port, mx_tls=tls, resolver=dns.address, **extra)


def mx_zones(domain="klient.test"):
    return {
        # Listed in the wrong order on purpose: replyd must sort by preference.
        domain: {"MX": [(20, f"mx2.{domain}"), (10, f"mx1.{domain}")]},
        f"mx1.{domain}": {"A": ["127.0.0.2"]},
        f"mx2.{domain}": {"A": ["127.0.0.1"]},
    }


def test_mx_first_host_down_delivers_via_the_second(make_server, make_sink, make_dns, pki):
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"])  # 127.0.0.1 only; nothing on 127.0.0.2
    dns = make_dns(mx_zones())
    server = start_server(make_server, mx_config(dns, sink.port))
    queued = queue_reply(server)
    sent = wait_sent(server, queued["id"])
    (message,) = sink.wait_messages(1)
    assert message.data == queued["data"] and message.rcpt_tos == [SENDER] and message.mail_from == ""
    assert message.tls, "opportunistic STARTTLS was offered but not used"
    assert sent["remote_host"] == f"127.0.0.1:{sink.port}", sent
    assert dns.asked("klient.test", "MX") >= 1, dns.queries
    assert dns.asked("mx1.klient.test", "A") >= 1 and dns.asked("mx2.klient.test", "A") >= 1, dns.queries
    (attempt,) = sent["delivery_attempts"]
    assert attempt["outcome"] == "delivered" and attempt.get("tls_version"), attempt


def test_mx_hosts_are_tried_in_preference_order(make_server, make_sink, make_dns, pki):
    # mx1 (preference 10) answers but is busy (421 at greeting); mx2 (20) takes the message.
    busy, good = sink_pair(make_sink, {"cert": pki["leaf"], "key": pki["leaf_key"],
                                       "behaviour": {"greeting": (421, "4.3.2 mx1 busy, try another")}},
                           {"cert": pki["leaf"], "key": pki["leaf_key"]})
    dns = make_dns(mx_zones())
    server = start_server(make_server, mx_config(dns, good.port))
    queued = queue_reply(server)
    sent = wait_sent(server, queued["id"])
    assert busy.connections == 1 and busy.messages == []
    (message,) = good.wait_messages(1)
    assert message.data == queued["data"]
    assert sent["remote_host"] == f"127.0.0.1:{good.port}"


def test_mx_required_tls_verifies_the_mx_certificate(make_server, make_sink, make_dns, pki, other_pki):
    # Both MX hosts offer STARTTLS; the preferred one has a certificate replyd cannot verify.
    untrusted, good = sink_pair(make_sink, {"cert": other_pki["leaf"], "key": other_pki["leaf_key"]},
                                {"cert": pki["leaf"], "key": pki["leaf_key"]})
    zones = mx_zones()
    dns = make_dns(zones)
    server = start_server(make_server, mx_config(dns, good.port, tls="required", ca_file=str(pki["ca"])))
    queued = queue_reply(server)
    wait_sent(server, queued["id"])
    assert untrusted.messages == [] and not untrusted.all_sessions()[0].tls
    (message,) = good.wait_messages(1)
    assert message.tls


def test_mx_without_mx_records_uses_the_domain_itself(make_server, make_sink, make_dns, pki):
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"])
    dns = make_dns({"klient.test": {"A": ["127.0.0.1"]}})
    server = start_server(make_server, mx_config(dns, sink.port))
    queued = queue_reply(server)
    sent = wait_sent(server, queued["id"])
    (message,) = sink.wait_messages(1)
    assert message.data == queued["data"]
    assert sent["remote_host"] == f"127.0.0.1:{sink.port}"
    assert dns.asked("klient.test", "A") >= 1, dns.queries


def test_mx_host_with_only_an_ipv6_address(make_server, make_sink, make_dns, pki):
    # The MX host has an AAAA record and no A record: the reply goes over IPv6.
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"], host="::1")
    dns = make_dns({"klient.test": {"MX": [(10, "mx6.klient.test")]}, "mx6.klient.test": {"AAAA": ["::1"]}})
    server = start_server(make_server, mx_config(dns, sink.port))
    queued = queue_reply(server)
    sent = wait_sent(server, queued["id"])
    (message,) = sink.wait_messages(1)
    assert message.data == queued["data"]
    assert sent["remote_host"] == f"[::1]:{sink.port}", sent
    assert dns.asked("mx6.klient.test", "AAAA") >= 1, dns.queries


def test_mx_nxdomain_is_a_permanent_failure(make_server, make_sink, make_dns):
    sink = make_sink()
    dns = make_dns(mx_zones("other.test"))  # klient.test does not exist
    server = start_server(make_server, mx_config(dns, sink.port))
    queued = queue_reply(server)
    row = wait_failed(server, queued["id"])
    assert row["status"] == "failed", describe(server, queued["id"])()
    assert row["attempts"] == 1
    assert "klient.test" in row.get("last_error", ""), row.get("last_error")
    (attempt,) = row["delivery_attempts"]
    assert attempt["outcome"] == "permanent"
    assert dns.asked("klient.test", "MX") >= 1
    assert sink.connections == 0


# --- the queue CLI ---------------------------------------------------------------------------------------

def test_queue_cli_list_json_retry_drop(make_server, make_sink, pki):
    # 1. hold: three replies queued, nothing leaves.
    server = start_server(make_server, delivery_config(mode="hold"))
    senders = ["ewa@klient.test", "zla@klient.test", "jutro@klient.test"]
    rows = [queue_reply(server, sender, subject=f"Sprawa {i}") for i, sender in enumerate(senders)]
    ids = [row["id"] for row in rows]
    listed = queue_json(server)
    assert [e["id"] for e in listed] == sorted(ids, reverse=True), listed  # newest first
    for entry, row in zip(reversed(listed), rows):
        # (the JSON status of an untried item, "pending", is checked in test_queue_json_status_of_untried_items)
        assert entry["attempts"] == 0, entry
        assert entry["recipient"] == row["recipient"] and entry["envelope_sender"] == ""
        assert entry["subject"] == row["subject"] and entry["subject"].startswith("Auto: Sprawa")
        assert entry["last_error"] is None and entry["sent_at"] is None and entry["remote_host"] is None
        for key in ("created_at", "next_attempt_at"):
            datetime.fromisoformat(entry[key].replace("Z", "+00:00"))
    assert set(listed[0]) >= {"id", "status", "recipient", "envelope_sender", "subject", "created_at",
                              "next_attempt_at", "attempts", "last_error", "sent_at", "remote_host"}
    assert [e["id"] for e in queue_json(server, "--limit", "1")] == [max(ids)]
    text = server.run_cli("queue").stdout
    assert all(f"{i}  pending" in text for i in ids), text

    # drop the third: it stays recorded as dropped and is never sent.
    assert f"{ids[2]}" in server.run_cli("queue", "drop", str(ids[2])).stdout
    assert [e["id"] for e in queue_json(server)] == [ids[1], ids[0]]
    dropped = [e for e in queue_json(server, "--all") if e["id"] == ids[2]]
    assert dropped and dropped[0]["status"] == "dropped", dropped
    assert server.run_cli("queue", "drop", str(ids[2]), check=False).returncode != 0
    assert server.run_cli("queue", "retry", "999999", check=False).returncode != 0
    assert server.run_cli("queue", "drop", "999999", check=False).returncode != 0

    # 2. relay: the sink refuses one recipient for good (550) and greylists the other (451).
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"],
                     behaviour={"rcpt": lambda rcpt: (550, "5.1.1 No such user") if rcpt.startswith("zla@")
                                else (451, "4.7.1 Greylisted")})
    server.stop()
    server.rewrite_config(relay_config(sink, "required", ca=pki["ca"]))
    server.start()
    wait_deferred(server, ids[0])
    assert wait_failed(server, ids[1])["status"] == "failed"
    by_id = {e["id"]: e for e in queue_json(server)}
    assert set(by_id) == {ids[0], ids[1]}, by_id
    assert (by_id[ids[0]]["status"], by_id[ids[0]]["attempts"]) == ("deferred", 1)
    assert "451" in by_id[ids[0]]["last_error"]
    assert (by_id[ids[1]]["status"], by_id[ids[1]]["attempts"]) == ("failed", 1)
    assert "550" in by_id[ids[1]]["last_error"]
    next_at = datetime.fromisoformat(by_id[ids[0]]["next_attempt_at"].replace("Z", "+00:00"))
    assert next_at > datetime.now(timezone.utc) + timedelta(seconds=20), by_id[ids[0]]
    text = server.run_cli("queue").stdout
    assert "deferred" in text and "failed" in text and "last error" in text and "451" in text, text

    # 3. the relay is fixed; retry both (the failed one too).
    sink.reset_behaviour()
    for oid in ids[:2]:
        server.run_cli("queue", "retry", str(oid))
    for oid in ids[:2]:
        wait_sent(server, oid)
    assert queue_json(server) == []
    assert server.run_cli("queue").stdout.strip() == "queue is empty"
    everything = {e["id"]: e for e in queue_json(server, "--all")}
    assert {i: everything[i]["status"] for i in ids} == {ids[0]: "sent", ids[1]: "sent", ids[2]: "dropped"}
    for oid in ids[:2]:
        assert everything[oid]["sent_at"] and everything[oid]["remote_host"] == f"localhost:{sink.port}"
        assert everything[oid]["attempts"] == 2 and everything[oid]["last_error"] is None
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == sorted(senders[:2])
    assert server.run_cli("queue", "retry", str(ids[0]), check=False).returncode != 0  # sent: nothing to retry
    time.sleep(0.5)
    assert len(sink.messages) == 2  # the dropped reply never left


def test_queue_json_status_of_untried_items(make_server):
    server = start_server(make_server, delivery_config(mode="hold"))
    queued = queue_reply(server)
    (entry,) = queue_json(server)
    assert entry["id"] == queued["id"] and entry["attempts"] == 0
    assert entry["status"] == "pending", entry  # as `replyd queue` prints it; "queued" is the table's word
    assert f"{queued['id']}  pending" in server.run_cli("queue").stdout


def test_max_age_turns_a_deferred_reply_into_a_failure(make_server, make_sink):
    sink = make_sink(behaviour={"rcpt": (451, "4.3.0 Mailbox busy")})
    server = start_server(make_server, relay_config(sink, "none", host="127.0.0.1", first_retry="1s",
                                                    max_retry_interval="1s", max_age="2s"))
    queued = queue_reply(server)
    row = wait_failed(server, queued["id"], timeout=30)
    assert row["status"] == "failed", describe(server, queued["id"])()
    assert row["attempts"] >= 2 and "451" in row.get("last_error", ""), row
    rows = row["delivery_attempts"]
    assert len(rows) == row["attempts"] and all(a["outcome"] == "temporary" for a in rows), rows
    assert sink.messages == []
    gave_up = json_time(rows[-1]["at"]) - json_time(row["created_at"])
    assert gave_up <= timedelta(seconds=10), gave_up  # not retried long past max_age
    (entry,) = queue_json(server)
    assert entry["status"] == "failed"


def test_a_delivery_slower_than_the_lease_is_not_sent_twice(make_server, make_sink):
    # The lease protects against a dead worker; a live worker still talking to a slow server keeps its item.
    # The relay answers the end of data after 1.5 leases: renewals (every third of a lease) keep the item,
    # with 2 s of slack for a loaded machine.
    sink = make_sink(eod_delay=4.5)
    server = start_server(make_server, relay_config(sink, "none", host="127.0.0.1", lease="3s"))
    queued = queue_reply(server)
    wait_sent(server, queued["id"])
    sink.wait_for(lambda s: all(x.closed for x in s.sessions), 10, "the connections to close")
    time.sleep(0.5)
    delivered = [a for a in attempts(server, queued["id"]) if a["outcome"] == "delivered"]
    assert (len(sink.messages), sink.connections, len(delivered)) == (1, 1, 1), \
        f"{len(sink.messages)} copies at the sink over {sink.connections} connections; attempts {delivered}"


# --- crash test ------------------------------------------------------------------------------------------

CRASH_REPLIES = 500


def ingest(server, senders, connections=5):
    """Sends one mail per sender to the vacationing mailbox over a few parallel smtplib connections."""
    import smtplib
    errors = []

    def worker(chunk):
        try:
            with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="client.test", timeout=30) as client:
                for sender in chunk:
                    message = make_message(subject=f"Pytanie od {sender}", sender=sender, to=MAILBOX)
                    client.sendmail(sender, [MAILBOX], message)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(senders[i::connections],)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors


def statuses(server) -> Counter:
    """How many queue items of every status there are (`replyd queue list --all --json`)."""
    return Counter(e["status"] for e in queue_json(server, "--all", "--limit", str(10 * CRASH_REPLIES)))


def test_kill_9_during_delivery_loses_nothing(make_server, make_sink):
    sink = make_sink()
    senders = [f"nadawca{i:03d}@k{i % 10}.test" for i in range(CRASH_REPLIES)]
    server = start_server(make_server, delivery_config(mode="hold"))
    ingest(server, senders)
    wait_until(lambda: len(queue_json(server, "--all", "--limit", str(10 * CRASH_REPLIES))) == CRASH_REPLIES, 30,
               f"{CRASH_REPLIES} queued replies", interval=0.2)

    relay = delivery_config(mode="relay", relay_host="127.0.0.1", relay_port=sink.port, relay_tls="none",
                            lease="2s", concurrency=20, per_destination=5)
    server.stop()
    server.rewrite_config(relay)
    server.start()
    sink.wait_messages(CRASH_REPLIES // 5, timeout=60)
    server.kill9()
    at_kill = len(sink.messages)
    assert at_kill < CRASH_REPLIES, "all delivered before the kill: the test did not test anything"
    sent_at_kill = statuses(server)["sent"]

    server.start()
    wait_until(lambda: (lambda counts: counts["pending"] + counts["deferred"] == 0)(statuses(server)),
               60, "the queue to empty after the restart", interval=0.2, diagnostics=lambda: statuses(server))

    assert statuses(server) == {"sent": CRASH_REPLIES}, statuses(server)
    items = outbound_rows(server)  # every queue item with its bytes and its delivery attempts
    expected = {row["recipient"]: row["data"] for row in items}
    assert sorted(expected) == sorted(senders)
    time.sleep(0.3)  # any delivery still finishing its QUIT
    messages = sink.messages
    counts = Counter(m.rcpt_tos[0] for m in messages)
    missing = [s for s in senders if counts[s] == 0]
    assert not missing, f"{len(missing)} replies never reached the sink: {missing[:5]}"
    too_many = {s: n for s, n in counts.items() if n > 2}
    assert not too_many, f"delivered more than twice: {too_many}"
    assert set(counts) == set(senders), set(counts) - set(senders)
    for message in messages:
        assert len(message.rcpt_tos) == 1 and message.data == expected[message.rcpt_tos[0]]
    duplicates = sorted(s for s, n in counts.items() if n == 2)
    # At most the deliveries in flight at the kill (concurrency 20) can have been sent twice.
    assert len(duplicates) <= 20, f"{len(duplicates)} duplicates: {duplicates}"
    # Each reply has exactly one recorded delivery: a resend happens only when the first was not recorded.
    delivered = {row["id"]: sum(a["outcome"] == "delivered" for a in row["delivery_attempts"]) for row in items}
    assert len(delivered) == CRASH_REPLIES and all(n == 1 for n in delivered.values()), \
        [(i, n) for i, n in delivered.items() if n != 1][:10]
    print(f"\ncrash test: {at_kill} at the sink and {sent_at_kill} marked sent at the kill; after restart "
          f"{len(messages)} messages for {CRASH_REPLIES} replies, {len(duplicates)} delivered twice: {duplicates}")


def test_non_ascii_recipient_needs_smtputf8_at_the_relay(make_server, make_sink, pki):
    """RFC 6531: a reply to a UTF-8 address only goes to a server that offers SMTPUTF8; this sink
    does not, so the reply fails at once instead of being mangled or retried for days."""
    sink = make_sink(cert=pki["leaf"], key=pki["leaf_key"])
    server = start_server(make_server, relay_config(sink, "required", ca=pki["ca"]))
    sender = "zażółć@klient.test"
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="client.test", timeout=15) as client:
        client.ehlo()
        client.command_encoding = "utf-8"
        assert client.mail(sender, ["SMTPUTF8"])[0] == 250
        assert client.rcpt(MAILBOX)[0] == 250
        code, text = client.data(make_message(subject="utf8", sender=sender, to=MAILBOX))
        assert code == 250, text
    message_id = int(text.decode().rsplit(" ", 1)[-1])
    queued = queued_reply(server, message_id)
    assert queued["recipient"] == sender
    failed = wait_failed(server, queued["id"])
    assert "5.6.7" in (failed.get("last_error") or ""), failed
    assert sink.messages == [], "nothing may reach a server without SMTPUTF8"
