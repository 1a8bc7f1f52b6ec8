"""STARTTLS with real clients: smtplib, a raw socket, and `openssl s_client`, all verifying a CA."""
import ipaddress
import smtplib
import ssl
import subprocess

import pytest

from conftest import (RawSMTP, assert_reply, assert_still_serves, config_with, deliver, log_entries, make_message,
                      make_test_pki, queued_id, stored)


def test_starttls_with_smtplib_verifying_dev_ca(server):
    message = make_message(subject="over TLS")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="client.test", timeout=15) as s:
        code, features = s.ehlo()
        assert code == 250 and s.has_extn("starttls")
        code, text = s.starttls(context=server.tls_context())  # verifies chain and 127.0.0.1 SAN
        assert (code, text[:5]) == (220, b"2.0.0")
        version = s.sock.version()
        assert version in ("TLSv1.3", "TLSv1.2")
        code, _ = s.ehlo()
        assert code == 250
        assert not s.has_extn("starttls"), "STARTTLS must not be offered inside TLS"
        assert s.has_extn("pipelining") and s.has_extn("size")
        assert s.mail("sender@client.test")[0] == 250
        assert s.rcpt("alice@example.test")[0] == 250
        code, text = s.data(message)
    assert code == 250
    row = stored(server, queued_id(text.decode()))
    assert row["tls_version"] == version
    assert row["raw"] == message


def test_dev_certificate_names_localhost_and_hostname(make_server):
    server = make_server(config_with(server={"hostname": "mx.example.test"}))
    for name in ("localhost", "mx.example.test"):
        with RawSMTP(server) as c:
            assert c.greeting.lines == ["220 mx.example.test ESMTP replyd"]
            c.ehlo()
            c.starttls(server.tls_context(), server_hostname=name)
            cert = c.sock.getpeercert()
            sans = set(cert["subjectAltName"])
            assert {("DNS", "localhost"), ("DNS", "mx.example.test"), ("IP Address", "127.0.0.1")} <= sans
            assert any(kind == "IP Address" and ipaddress.ip_address(value) == ipaddress.ip_address("::1")
                       for kind, value in sans), sans
            reply = c.ehlo()
            assert "STARTTLS" not in reply.keywords
            assert_reply(c.cmd("QUIT"), "221 2.0.0")


def test_tls12_client_is_recorded(server):
    context = server.tls_context()
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    message_id = deliver(server, make_message(subject="tls 1.2"), tls=True, context=context)
    assert stored(server, message_id)["tls_version"] == "TLSv1.2"


def test_state_is_reset_after_starttls(server):
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<before@client.test>"), "250 2.1.0")  # forgotten by the handshake
        c.starttls(server.tls_context())
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "503 5.5.1")  # EHLO first, again
        c.ehlo()
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "503 5.5.1")  # the old MAIL is gone
        assert_reply(c.cmd("STARTTLS"), "503 5.5.1")  # not twice
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        c.send(make_message(subject="after reset") + b".\r\n")
        done = assert_reply(c.reply(), "250 2.0.0")
    row = stored(server, queued_id(done.last[4:]))
    assert row["sender"] == "a@client.test"
    assert row["tls_version"] in ("TLSv1.3", "TLSv1.2")


def test_openssl_s_client_scripted_session(server):
    script = ("EHLO s-client.test\n"
              "MAIL FROM:<openssl@client.test>\n"
              "RCPT TO:<alice@example.test>\n"
              "DATA\n"
              "From: openssl@client.test\n"
              "To: alice@example.test\n"
              "Subject: via openssl s_client\n"
              "\n"
              "Hello from s_client.\n"
              ".\n"
              "QUIT\n")
    result = subprocess.run(
        ["openssl", "s_client", "-starttls", "smtp", "-connect", f"127.0.0.1:{server.smtp_port}",
         "-CAfile", str(server.ca_file), "-verify_return_error", "-verify_hostname", "localhost",
         "-servername", "localhost", "-crlf", "-quiet"],
        input=script, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    queued = [line for line in lines if line.startswith("250 2.0.0 Ok: queued as ")]
    assert len(queued) == 1, result.stdout
    assert any(line.startswith("221 2.0.0") for line in lines), result.stdout
    row = stored(server, queued_id(queued[0][4:]))
    assert row["tls_version"] in ("TLSv1.3", "TLSv1.2")
    assert row["helo"] == "s-client.test"
    assert row["subject"] == "via openssl s_client"
    assert row["raw"] == (b"From: openssl@client.test\r\nTo: alice@example.test\r\n"
                          b"Subject: via openssl s_client\r\n\r\nHello from s_client.\r\n")


def test_client_trusting_a_different_ca_fails_verification(server, tmp_path):
    other = make_test_pki(tmp_path / "other-pki", ca_name="Some Other CA")
    context = ssl.create_default_context(cafile=str(other["ca"]))
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="client.test", timeout=15) as s:
        s.ehlo()
        with pytest.raises(ssl.SSLCertVerificationError):
            s.starttls(context=context)
    result = subprocess.run(
        ["openssl", "s_client", "-starttls", "smtp", "-connect", f"127.0.0.1:{server.smtp_port}",
         "-CAfile", str(other["ca"]), "-verify_return_error", "-crlf", "-quiet"],
        input="QUIT\n", capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "verify error" in result.stderr.lower() or "certificate verify failed" in result.stderr.lower(), result.stderr
    assert_still_serves(server, tls=True)


@pytest.mark.parametrize("key", ["ec", "rsa"])
def test_configured_certificate_is_served(make_server, tmp_path, key):
    pki = make_test_pki(tmp_path / "pki", leaf_name=f"configured-{key}", key=key)
    server = make_server(config_with(tls={"certificate": str(pki["leaf"]), "private_key": str(pki["leaf_key"])}))
    context = ssl.create_default_context(cafile=str(pki["ca"]))
    with RawSMTP(server) as c:
        c.ehlo()
        c.starttls(context)
        subject = dict(field[0] for field in c.sock.getpeercert()["subject"])
        assert subject["commonName"] == f"configured-{key}"
    assert not server.ca_file.exists(), "no development CA when a certificate is configured"
    message_id = deliver(server, make_message(subject="configured cert"), tls=True, context=context)
    assert stored(server, message_id)["tls_version"] in ("TLSv1.3", "TLSv1.2")


def test_tls_disabled(make_server):
    server = make_server(config_with(tls={"enabled": False}))
    with RawSMTP(server) as c:
        reply = c.ehlo()
        assert "STARTTLS" not in reply.keywords
        assert_reply(c.cmd("STARTTLS"), "454 4.7.0")
        assert_reply(c.cmd("NOOP"), "250 2.0.0")  # still in clear text, still talking
    assert_still_serves(server)


def test_require_tls(make_server):
    server = make_server(config_with(smtp={"require_tls": True}))
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "530 5.7.0")
        c.starttls(server.tls_context())
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        c.send(make_message(subject="required tls") + b".\r\n")
        done = assert_reply(c.reply(), "250 2.0.0")
    required_id = queued_id(done.last[4:])
    assert stored(server, required_id)["tls_version"] in ("TLSv1.3", "TLSv1.2")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="client.test", timeout=10) as s:
        s.ehlo()
        code, text = s.mail("plain@client.test")
        assert (code, text[:5]) == (530, b"5.7.0")
    assert [entry["id"] for entry in log_entries(server)] == [required_id]
    assert_still_serves(server, tls=True)


@pytest.mark.parametrize("garbage", [
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"\x16\x03\x01\x00\x05garbage-not-a-client-hello" + bytes(range(256)),
    b"\x00" * 4096,
], ids=["http-request", "broken-tls-record", "zero-bytes"])
def test_garbage_instead_of_tls_handshake(server, garbage):
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd("STARTTLS"), "220 2.0.0")
        try:
            c.send(garbage)
        except (BrokenPipeError, ConnectionResetError):
            pass
        rest = c.read_until_closed()
        # Whatever comes back (nothing, or a TLS alert record) is not an SMTP reply.
        assert not rest[:3].isdigit(), rest
    assert_still_serves(server)
    assert_still_serves(server, tls=True)


def test_starttls_command_injection_is_discarded(server):
    """Bytes pipelined after STARTTLS in clear text must not be executed inside TLS (CVE-2011-0411)."""
    with RawSMTP(server) as c:
        c.ehlo()
        c.send(b"STARTTLS\r\nRSET\r\n")
        assert_reply(c.reply(), "220 2.0.0")
        assert c.buf == b"", c.buf
        c.sock = server.tls_context().wrap_socket(c.sock, server_hostname="localhost")
        reply = c.ehlo()  # the first reply inside TLS belongs to this EHLO, not to an injected RSET
        assert reply.lines[0].startswith("250-localhost"), reply
        assert_reply(c.cmd("NOOP"), "250 2.0.0")

    with RawSMTP(server) as c:  # the classic: a MAIL FROM injected behind STARTTLS
        c.ehlo()
        c.send(b"STARTTLS\r\nMAIL FROM:<evil@client.test>\r\n")
        assert_reply(c.reply(), "220 2.0.0")
        c.sock = server.tls_context().wrap_socket(c.sock, server_hostname="localhost")
        c.ehlo()
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "503 5.5.1")  # no MAIL was executed
    assert_still_serves(server)


def test_pipelining_inside_tls(server):
    message = make_message(subject="pipelined in TLS")
    with RawSMTP(server) as c:
        c.ehlo()
        c.starttls(server.tls_context())
        c.send(b"EHLO client.test\r\nMAIL FROM:<p@client.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n")
        assert c.reply().lines[0].startswith("250-localhost")
        assert_reply(c.reply(), "250 2.1.0")
        assert_reply(c.reply(), "250 2.1.5")
        assert c.reply().code == 354
        c.send(message + b".\r\nQUIT\r\n")
        done = assert_reply(c.reply(), "250 2.0.0")
        assert_reply(c.reply(), "221 2.0.0")
    row = stored(server, queued_id(done.last[4:]))
    assert row["raw"] == message
    assert row["tls_version"] in ("TLSv1.3", "TLSv1.2")
