"""Every configured limit at its edge: the last value accepted, the next one refused."""
import smtplib
import socket
import time

from conftest import (RawSMTP, assert_reply, assert_still_serves, config_with, log_entries, make_message,
                      message_count, queued_id, stored)


def message_of_size(size: int, subject="sized") -> bytes:
    """A CRLF message of exactly `size` bytes, with dotted lines (smtplib stuffs them, the server unstuffs)."""
    message = make_message(subject=subject, body=".dot line\r\n..two dots\r\n.\r\n")
    while len(message) < size:
        remaining = size - len(message)
        length = remaining if remaining <= 78 else (78 if remaining - 78 >= 2 else 77)
        message += b"x" * (length - 2) + b"\r\n"
    assert len(message) == size
    return message


def test_message_size_exactly_at_limit_and_one_over(make_server):
    server = make_server(config_with(smtp={"max_message_size": 2000}))
    exact = message_of_size(2000, subject="exact")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="client.test", timeout=15) as s:
        s.ehlo()
        assert s.esmtp_features["size"] == "2000"
        for message, expected in ((message_of_size(2001, subject="over"), 552), (exact, 250),
                                  (message_of_size(100_000, subject="far over"), 552)):
            assert s.mail("a@client.test")[0] == 250
            assert s.rcpt("alice@example.test")[0] == 250
            code, text = s.data(message)
            assert code == expected, (len(message), code, text)
            if code == 552:
                assert text.startswith(b"5.3.4"), text
            else:
                exact_id = queued_id(text.decode())
    assert [entry["id"] for entry in log_entries(server)] == [exact_id]
    row = stored(server, exact_id)
    assert row["size"] == 2000
    assert row["raw"] == exact


def test_declared_size_over_limit_refused_at_mail(make_server):
    server = make_server(config_with(smtp={"max_message_size": 2000}))
    with RawSMTP(server) as c:
        assert "SIZE 2000" in c.ehlo().keywords
        assert_reply(c.cmd("MAIL FROM:<a@client.test> SIZE=2001"), "552 5.3.4")
        assert_reply(c.cmd("MAIL FROM:<a@client.test> SIZE=99999999999"), "552 5.3.4")
        assert_reply(c.cmd("MAIL FROM:<a@client.test> SIZE=2000"), "250 2.1.0")
    # smtplib declares SIZE itself when the server offers it.
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="client.test", timeout=15) as s:
        try:
            s.sendmail("a@client.test", ["alice@example.test"], message_of_size(2500))
            raise AssertionError("sendmail of an over-size message succeeded")
        except smtplib.SMTPSenderRefused as error:
            assert error.smtp_code == 552 and error.smtp_error.startswith(b"5.3.4"), error
    assert message_count(server) == 0
    assert_still_serves(server)


def test_max_recipients_exactly_n_then_452(make_server):
    server = make_server(config_with(smtp={"max_recipients": 5}))
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        for n in range(5):
            assert_reply(c.cmd(f"RCPT TO:<user{n}@example.test>"), "250 2.1.5")
        assert_reply(c.cmd("RCPT TO:<user5@example.test>"), "452 4.5.3")
        assert_reply(c.cmd("RCPT TO:<user6@example.test>"), "452 4.5.3")
        assert c.cmd("DATA").code == 354
        c.send(make_message(subject="five") + b".\r\n")
        done = assert_reply(c.reply(), "250 2.0.0")
        # The next transaction on the same connection starts from zero again.
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        for n in range(5):
            assert_reply(c.cmd(f"RCPT TO:<again{n}@example.test>"), "250 2.1.5")
    row = stored(server, queued_id(done.last[4:]))
    assert row["recipients"] == [f"user{n}@example.test" for n in range(5)]
    assert_still_serves(server)


def test_command_line_length_at_limit_and_one_over(make_server):
    server = make_server(config_with(smtp={"max_line_length": 512}))
    exact = b"NOOP " + b"x" * (512 - 5 - 2) + b"\r\n"
    assert len(exact) == 512
    with RawSMTP(server) as c:
        c.ehlo()
        c.send(exact)
        assert_reply(c.reply(), "250 2.0.0")
        c.send(exact[:-2] + b"y\r\n")  # 513 octets
        assert_reply(c.reply(), "500 5.5.2")
        # At the limit, arriving in two pieces.
        c.send(exact[:300])
        time.sleep(0.05)
        c.send(exact[300:])
        assert_reply(c.reply(), "250 2.0.0")
        # One over, in pieces: one error, then the session goes on.
        over = exact[:-2] + b"y\r\n"
        c.send(over[:511])
        time.sleep(0.05)
        c.send(over[511:] + b"NOOP\r\n")
        assert_reply(c.reply(), "500 5.5.2")
        assert_reply(c.reply(), "250 2.0.0")
    assert_still_serves(server)


def test_data_line_length_at_limit_and_one_over(make_server):
    server = make_server(config_with(smtp={"max_line_length": 512}))
    head = make_message(subject="long lines", body="")
    exact_line = b"z" * 510 + b"\r\n"
    with RawSMTP(server) as c:
        c.ehlo()
        # Exactly at the limit, once in one write and once split across writes: stored as sent.
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        c.send(head + exact_line)
        c.send(exact_line[:200])
        time.sleep(0.05)
        c.send(exact_line[200:] + b".\r\n")
        done = assert_reply(c.reply(), "250 2.0.0")
        # One octet over: refused after the end of data, nothing stored.
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        c.send(head + b"z" * 511 + b"\r\nmore\r\n.\r\n")
        assert_reply(c.reply(), "500 5.5.2")
        # One over, split across writes.
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        c.send(head + b"z" * 300)
        time.sleep(0.05)
        c.send(b"z" * 211 + b"\r\n.\r\n")
        assert_reply(c.reply(), "500 5.5.2")
    assert [entry["id"] for entry in log_entries(server)] == [queued_id(done.last[4:])]
    row = stored(server, queued_id(done.last[4:]))
    assert row["raw"] == head + exact_line + exact_line
    assert_still_serves(server)


def wait_for_greeting(server, deadline_seconds=10):
    """Connects until the server greets with 220 (a freed slot is released asynchronously)."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        c = RawSMTP(server, read_greeting=False)
        reply = c.reply()
        if reply.code == 220 or time.monotonic() > deadline:
            return c, reply
        c.close()
        time.sleep(0.05)


def test_max_connections(make_server):
    server = make_server(config_with(smtp={"max_connections": 3}))
    held = [RawSMTP(server) for _ in range(3)]
    for c in held:
        assert_reply(c.greeting, "220 ")
        c.ehlo()
    extra = RawSMTP(server, read_greeting=False)
    refused = extra.reply()
    assert_reply(refused, "421 4.7.0")
    assert "Too many connections" in refused.last
    extra.expect_closed()
    extra.close()
    # The held sessions are unaffected.
    for c in held:
        assert_reply(c.cmd("NOOP"), "250 2.0.0")
    # Freeing a slot lets the next client in.
    assert_reply(held[0].cmd("QUIT"), "221 2.0.0")
    held[0].expect_closed()
    held[0].close()
    c, reply = wait_for_greeting(server)
    assert_reply(reply, "220 ")
    c.close()
    for c in held[1:]:
        c.close()
    c, reply = wait_for_greeting(server)
    c.close()
    assert_still_serves(server)


def test_command_timeout(make_server):
    server = make_server(config_with(smtp={"command_timeout": "1s", "data_timeout": "30s"}))
    with RawSMTP(server, timeout=15) as c:  # idle right after the greeting
        assert_reply(c.reply(), "421 4.4.2")
        c.expect_closed()
    with RawSMTP(server, timeout=15) as c:  # idle in the middle of a transaction
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        reply = c.reply()
        assert_reply(reply, "421 4.4.2")
        assert "timeout exceeded" in reply.last
        c.expect_closed()
    assert_still_serves(server)


def test_data_timeout_after_partial_data(make_server):
    server = make_server(config_with(smtp={"command_timeout": "30s", "data_timeout": "1s"}))
    with RawSMTP(server, timeout=15) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        c.send(b"Subject: stalled\r\n\r\nhalf of it\r\n")
        assert_reply(c.reply(), "421 4.4.2")
        c.expect_closed()
    assert message_count(server) == 0
    assert_still_serves(server)


def test_data_timeout_applies_right_after_354(make_server):
    """A client that stalls right after 354 is cut off by data_timeout, not by command_timeout."""
    server = make_server(config_with(smtp={"command_timeout": "60s", "data_timeout": "1s"}))
    with RawSMTP(server, timeout=20) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        try:
            reply = c.reply()
        except socket.timeout:
            raise AssertionError("no 421 within 20 s although data_timeout is 1s (command_timeout 60s)")
        assert_reply(reply, "421 4.4.2")
        c.expect_closed()
    assert message_count(server) == 0
    assert_still_serves(server)


def test_max_errors(make_server):
    """Postfix semantics (smtpd_hard_error_limit): every bad command gets its own error reply; once
    max_errors have been made, the server says 421 4.7.0 and closes."""
    server = make_server(config_with(smtp={"max_errors": 3}))
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd("FOO"), "500 5.5.2")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "503 5.5.1")
        assert_reply(c.cmd("BAR"), "500 5.5.2")
        reply = c.reply()
        assert_reply(reply, "421 4.7.0")
        assert "too many errors" in reply.last
        c.expect_closed()
    # Accepted commands do not count; a fresh connection starts from zero.
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd("FOO"), "500 5.5.2")
        for _ in range(5):
            assert_reply(c.cmd("NOOP"), "250 2.0.0")
        assert_reply(c.cmd("FOO"), "500 5.5.2")
        assert_reply(c.cmd("NOOP"), "250 2.0.0")
    assert_still_serves(server)


def test_size_setting_with_unit_is_advertised(make_server):
    server = make_server(config_with(smtp={"max_message_size": "2M"}))
    with RawSMTP(server) as c:
        assert "SIZE 2097152" in c.ehlo().keywords
        assert_reply(c.cmd("MAIL FROM:<a@client.test> SIZE=2097153"), "552 5.3.4")
        assert_reply(c.cmd("MAIL FROM:<a@client.test> SIZE=2097152"), "250 2.1.0")
