"""An MX sees attackers as normal traffic: trickling clients, connection floods from one host,
headers built to be expensive, oversized declarations. Each limit is tested at its edge, through
real sockets."""
import socket
import sys
import time

from conftest import (RawSMTP, assert_reply, assert_still_serves, config_with, deliver, make_message,
                      queued_id, send_mail, set_vacation, stored, only_reply, trickle)


def trickle_smtp(c: RawSMTP, data: bytes, pause: float) -> int:
    """Trickles into an SMTP session; what the server said is kept for `c.reply()`."""
    sent, received = trickle(c.sock, data, pause)
    c.buf += received or b""
    return sent


def test_trickled_command_line_cannot_extend_the_command_deadline(make_server):
    server = make_server(config_with(smtp={"command_timeout": "2s"}))
    with RawSMTP(server, timeout=15) as c:
        c.ehlo()
        line = b"MAIL FROM:<someone-with-a-long-name@client.test>\r\n"
        # One byte every 0.25 s would take 13 s for the line; every byte used to restart the clock.
        sent = trickle_smtp(c, line, 0.25)
        assert sent < len(line), "the whole trickled line was read without a time-out"
        c.sock.settimeout(10)
        assert_reply(c.reply(), "421 4.4.2")
        c.expect_closed()
    assert_still_serves(server)


def test_trickled_data_cannot_extend_the_data_deadline(make_server):
    server = make_server(config_with(smtp={"command_timeout": "30s", "data_timeout": "2s", "min_data_rate": 0}))
    with RawSMTP(server, timeout=15) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        body = b"Subject: slow\r\n\r\n" + b"line\r\n" * 20
        sent = trickle_smtp(c, body, 0.1)
        assert sent < len(body), "a 14 s trickle outlived a 2 s data deadline"
        c.sock.settimeout(10)
        assert_reply(c.reply(), "421 4.4.2")
        c.expect_closed()
    assert_still_serves(server)


def test_data_sent_at_the_minimum_rate_earns_more_time(make_server):
    """data_timeout 1s, min_data_rate 1000 B/s: 12 lines of 1000 octets over ~3 s (4000 B/s) finish,
    because every 1000 octets earn a second."""
    server = make_server(config_with(smtp={"data_timeout": "1s", "min_data_rate": 1000}))
    with RawSMTP(server, timeout=15) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        c.send(b"Subject: steady\r\n\r\n")
        for _ in range(12):
            c.send(b"y" * 998 + b"\r\n")
            time.sleep(0.25)
        reply = c.cmd(".")
        assert_reply(reply, "250 2.0.0")
        assert stored(server, queued_id(reply.last[4:]))["size"] > 12_000


def test_connections_per_client_address(make_server):
    server = make_server(config_with(smtp={"max_connections": 50, "max_connections_per_ip": 3}))
    held = [RawSMTP(server) for _ in range(3)]
    try:
        for c in held:
            assert_reply(c.greeting, "220 ")
        extra = RawSMTP(server, read_greeting=False)
        refused = extra.reply()
        assert_reply(refused, "421 4.7.0")
        assert "too many connections from 127.0.0.1" in refused.last
        extra.expect_closed()
        extra.close()
        # Another client address still gets in while 127.0.0.1 is at its cap.
        other = socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10, source_address=("127.0.0.2", 0))
        assert other.recv(1024).startswith(b"220 ")
        other.close()
        for c in held:
            assert_reply(c.cmd("NOOP"), "250 2.0.0")
    finally:
        for c in held:
            c.close()
    # The slots are given back when the sessions end.
    deadline = time.monotonic() + 10
    while True:
        c = RawSMTP(server, read_greeting=False)
        reply = c.reply()
        c.close()
        if reply.code == 220 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert reply.code == 220, reply
    assert_still_serves(server)


def test_junk_commands_are_limited(make_server):
    server = make_server(config_with(smtp={"max_junk_commands": 3, "max_errors": 2}))
    with RawSMTP(server) as c:
        c.ehlo()
        for command in ("NOOP", "RSET", "VRFY bob"):
            assert c.cmd(command).code in (250, 252)
        assert_reply(c.cmd("NOOP"), "503 5.7.0")
        assert_reply(c.cmd("NOOP"), "503 5.7.0")
        assert_reply(c.reply(), "421 4.7.0")
        c.expect_closed()


def test_size_declaration_that_overflows_gets_552(make_server):
    server = make_server()
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test> SIZE=99999999999999999999999999"), "552 5.3.4")
        assert_reply(c.cmd("MAIL FROM:<a@client.test> SIZE=12x"), "501 5.5.4")
        assert_reply(c.cmd("MAIL FROM:<a@client.test> SIZE=1000"), "250 2.1.0")


def test_large_message_spooled_past_the_threshold_is_stored_exactly(make_server):
    server = make_server(config_with(smtp={"spool_threshold": 4096, "max_message_size": "1M"}))
    body = "".join(f"line {i:06d} " + "z" * 60 + "\r\n" for i in range(3000))
    message = make_message(subject="spooled", body=body)
    assert 200_000 < len(message) < 1_000_000
    message_id = deliver(server, message)
    assert stored(server, message_id)["raw"] == message
    # Past the size limit after spooling: 552, and the session and the next message are fine.
    with RawSMTP(server, timeout=30) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        c.send(b"Subject: too big\r\n\r\n" + (b"q" * 998 + b"\r\n") * 1100)
        assert_reply(c.cmd("."), "552 5.3.4")
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
    assert_still_serves(server)


def test_header_of_unterminated_encoded_words_is_accepted_promptly(make_server):
    """1 MB of `=?a?q?x` folded onto legal lines: the decoder used to search to the end of the header
    from every `=?` (an hour of CPU for this one); now it is linear and the 250 comes at once."""
    server = make_server()
    set_vacation(server, "alice@example.test")
    words = "=?a?q?x" * 140
    folded = "\r\n ".join([words] * 1050)
    message = make_message(subject=folded, sender="=?a?q?x" * 100 + " <sender@client.test>")
    assert len(message) > 1_000_000
    code, text = send_mail(server, message)
    assert code == 250, (code, text)
    assert_still_serves(server)


def test_reply_header_lines_stay_within_limits(make_server):
    server = make_server()
    set_vacation(server, "alice@example.test")
    # 150 adjacent encoded words decode to one 6,000-character word with no space to fold at.
    # (Folded between the words: the white space of a fold between encoded words is not kept.)
    subject = "\r\n ".join("=?utf-8?q?abcdefghijklmnopqrstuvwxyzabcdefghijklmn?=" for _ in range(150))
    long_id = "<" + "m" * 970 + "@client.test>"
    message = make_message(subject=subject, message_id=long_id)
    message_id = deliver(server, message)
    row, reply = only_reply(server, message_id)
    header_section = row["data"].split(b"\r\n\r\n", 1)[0]
    for line in header_section.split(b"\r\n"):
        assert len(line) <= 78, line[:120]
    # The id too long to quote is left out rather than breaking the line limit.
    assert reply["In-Reply-To"] is None
    # The whole subject is capped at 256 characters, with an ellipsis (as Pigeonhole's vacation does).
    assert str(reply["Subject"]) == "Auto: " + ("abcdefghijklmnopqrstuvwxyzabcdefghijklmn" * 7)[:249] + "…"


def test_reply_references_keep_the_first_and_latest_ids(make_server):
    server = make_server()
    set_vacation(server, "alice@example.test")
    references = "\r\n ".join(f"<ref{i}@client.test>" for i in range(100))
    message = make_message(message_id="<last@client.test>", extra_headers=["References: " + references])
    row, reply = only_reply(server, deliver(server, message))
    ids = str(reply["References"]).split()
    assert ids == ["<ref0@client.test>"] + [f"<ref{i}@client.test>" for i in range(82, 100)] + ["<last@client.test>"]
    assert reply["In-Reply-To"] == "<last@client.test>"


def test_log_json_escapes_unicode_line_breaks(make_server):
    server = make_server()
    deliver(server, make_message(subject="=?utf-8?q?a=E2=80=A8b=C2=85c=E2=80=A9d?="))
    output = server.run_cli("log", "--json").stdout
    # One record per line for consumers that split on every Unicode line break.
    lines = output.splitlines()
    assert len(lines) == 1, lines
    assert "\\u2028" in output and "\\u0085" in output and "\\u2029" in output
    import json
    assert json.loads(lines[0])["subject"] == "a\u2028b\u0085c\u2029d"


def test_client_that_never_reads_replies_is_cut_off(make_server):
    """Commands sent without reading a reply: replyd stops reading while its replies are not taken
    (no unbounded output queue), and the command deadline plus a short grace closes the connection
    even though the last reply can never be delivered."""
    server = make_server(config_with(smtp={"command_timeout": "2s"}))
    sock = server.connect(timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    sent = 0
    chunk = b"EHLO client.test\r\n" * 1000
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            sent += sock.send(chunk)
        except BlockingIOError:
            break
    assert sent < 50_000_000, "the server kept reading with nobody taking its replies"
    time.sleep(9)  # 2 s deadline + 5 s grace, without reading anything
    sock.setblocking(True)
    sock.settimeout(5)
    closed = False
    try:
        while True:
            data = sock.recv(1 << 20)
            if not data:
                closed = True
                break
    except (ConnectionResetError, socket.timeout):
        closed = not isinstance(sys.exc_info()[1], socket.timeout)
    sock.close()
    assert closed, "the connection of a client that does not read stayed open"
    assert_still_serves(server)


def test_mail_parameter_without_a_key_is_refused_not_fatal(make_server):
    """Found by scripts/fuzz: `MAIL FROM:<a@b> =` used to trap the whole process."""
    server = make_server()
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test> ="), "555 5.5.4")
        assert_reply(c.cmd("MAIL FROM:<a@client.test> =x"), "555 5.5.4")
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
    assert_still_serves(server)


def test_a_closing_reply_is_not_lost_to_a_reset(make_server):
    """A client pipelines bad commands and then a large body the server will never read as commands:
    after `max_errors` the session ends with 421. Closing a socket with input still unread makes the
    kernel send a reset, which can destroy the replies not yet read; the server ends its side first
    (FIN after the 421) and drops what still arrives, so the client reads every reply and a clean
    end of stream, and its own writes do not fail."""
    server = make_server(config_with(smtp={"max_errors": 2}))
    with RawSMTP(server, timeout=15) as c:
        c.ehlo()
        junk = b"".join(b"junk line %d that is not a command at all\r\n" % n for n in range(40_000))
        c.send(b"BOGUS1\r\nBOGUS2\r\nBOGUS3\r\n" + junk)  # ~1.8 MB; must not fail with a reset
        received = b""
        while True:
            chunk = c.sock.recv(65536)  # a reset raises ConnectionResetError here
            if not chunk:
                break
            received += chunk
        assert b"421 4.7.0" in received, received[-300:]
    assert_still_serves(server)
