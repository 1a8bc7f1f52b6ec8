"""SMTP conversation as real clients hold it: smtplib sends, raw pipelined batches, bad input.

After every misbehaving client the server must still accept a normal smtplib send.
"""
import base64
import smtplib
import socket
import time

from conftest import (RawSMTP, assert_reply, assert_still_serves, config_with, deliver, log_entries, make_message,
                      message_count, queued_id, send_mail, stored)

POLISH = "Zażółć gęślą jaźń"


# --- the happy path ----------------------------------------------------------------------------------

def test_greeting_and_ehlo_extensions(server):
    with RawSMTP(server) as c:
        assert c.greeting.lines == ["220 localhost ESMTP replyd"]
        reply = c.ehlo("client.test")
        assert reply.lines[0].startswith("250-localhost")
        keywords = reply.keywords
        for keyword in ("PIPELINING", "SIZE 10485760", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8"):
            assert keyword in keywords, reply
        assert_reply(c.cmd("HELO client.test"), "250 ")
        assert_reply(c.cmd("EHLO"), "501 5.5.4")
        assert_reply(c.cmd("HELO"), "501 5.5.4")
        assert_reply(c.cmd("NOOP"), "250 2.0.0")
        assert_reply(c.cmd("RSET"), "250 2.0.0")
        assert_reply(c.cmd("VRFY alice@example.test"), "252 2.5.2")
        assert c.cmd("EXPN staff").code == 502
        assert_reply(c.cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA=="), "502 5.5.1")
        assert_reply(c.cmd("BDAT 10 LAST"), "502 5.5.1")
        assert c.cmd("HELP").code == 214
        assert_reply(c.cmd("QUIT"), "221 2.0.0")
        c.expect_closed()


def test_plain_send_with_smtplib_is_stored(server):
    message = make_message(subject="Plain hello", message_id="<plain-1@client.test>",
                           extra_headers=["Cc: bob@example.test", "X-Custom:   spaced value  "])
    code, text = send_mail(server, message, sender="sender@client.test", rcpts=["alice@example.test"],
                           ehlo_name="client.test")
    assert code == 250
    message_id = queued_id(text)
    row = stored(server, message_id)
    assert row["channel"] == "email"
    assert row["sender"] == "sender@client.test"
    assert row["remote_address"] == "127.0.0.1"
    assert row["helo"] == "client.test"
    assert "tls_version" not in row  # absent: the session was not encrypted
    assert row["size"] == len(message)
    assert row["message_id"] == "<plain-1@client.test>"
    headers = dict(row["headers"])
    assert headers["From"] == "Sender <sender@client.test>"
    assert headers["To"] == "alice@example.test"
    assert headers["Cc"] == "bob@example.test"
    assert row["subject"] == "Plain hello"
    assert not {"auto-submitted", "precedence", "list-id"} & {name.lower() for name, _ in row["headers"]}
    assert row["received_at"]
    assert row["recipients"] == ["alice@example.test"]
    assert row["raw"] == message
    names = [name for name, _ in row["headers"]]
    assert names == ["From", "To", "Subject", "Message-ID", "Date", "Cc", "X-Custom"]
    assert dict(row["headers"])["X-Custom"] == "spaced value"


def test_null_sender_and_list_headers_are_stored(server):
    message = make_message(subject="bounce", extra_headers=[
        "Auto-Submitted: auto-replied", "Precedence: bulk", "List-Id: Staff <staff.example.test>"])
    message_id = deliver(server, message, sender="")
    row = stored(server, message_id)
    assert row["sender"] == ""
    headers = dict(row["headers"])
    assert headers["Auto-Submitted"] == "auto-replied"
    assert headers["Precedence"] == "bulk"
    assert headers["List-Id"] == "Staff <staff.example.test>"


def test_pipelining_batch_replies_in_order(server):
    message = make_message(subject="pipelined")
    with RawSMTP(server) as c:
        assert "PIPELINING" in c.ehlo().keywords
        c.send(b"MAIL FROM:<p@client.test>\r\nRCPT TO:<alice@example.test>\r\n"
               b"RCPT TO:<bob@example.test>\r\nDATA\r\n")
        assert_reply(c.reply(), "250 2.1.0")
        assert_reply(c.reply(), "250 2.1.5")
        assert_reply(c.reply(), "250 2.1.5")
        assert c.reply().code == 354
        # The message, the end of data and the next transaction in one write as well.
        c.send(message + b".\r\nRSET\r\nMAIL FROM:<q@client.test>\r\nRCPT TO:<relay@elsewhere.test>\r\nQUIT\r\n")
        done = assert_reply(c.reply(), "250 2.0.0")
        assert_reply(c.reply(), "250 2.0.0")
        assert_reply(c.reply(), "250 2.1.0")
        assert_reply(c.reply(), "550 5.7.1")
        assert_reply(c.reply(), "221 2.0.0")
        c.expect_closed()
    row = stored(server, queued_id(done.last[4:]))
    assert row["sender"] == "p@client.test"
    assert row["recipients"] == ["alice@example.test", "bob@example.test"]
    assert row["raw"] == message
    assert message_count(server) == 1


def test_multiple_recipients_stored_in_order(server):
    rcpts = ["zed@example.test", "alice@example.test", "Mixed.Case@EXAMPLE.TEST", "alice+news@example.test"]
    message_id = deliver(server, make_message(subject="many"), rcpts=rcpts)
    row = stored(server, message_id)
    assert row["recipients"] == ["zed@example.test", "alice@example.test", "Mixed.Case@example.test",
                                 "alice+news@example.test"]


def test_polish_8bit_body_is_stored_byte_exact(server):
    body = (f"{POLISH}\r\n"
            "ĄĆĘŁŃÓŚŹŻ ąćęłńóśźż\r\n"
            ".a line that starts with a dot (smtplib doubles it, the server undoes it)\r\n"
            "..two dots\r\n"
            ".\r\n"  # a lone dot line inside the body
            "trailing spaces stay   \r\n"
            "\tand tabs\r\n")
    message = make_message(subject=POLISH, body=body, extra_headers=[
        "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"])
    message_id = deliver(server, message, mail_options=["BODY=8BITMIME"])
    row = stored(server, message_id)
    assert row["raw"] == message
    assert row["size"] == len(message)
    assert row["subject"] == POLISH  # raw UTF-8 in a header is read as UTF-8
    assert POLISH.encode() in row["raw"]


def test_rfc2047_subjects_are_decoded(server):
    cases = {
        "=?UTF-8?B?" + base64.b64encode(POLISH.encode()).decode() + "?=": POLISH,
        "=?utf-8?q?Za=C5=BC=C3=B3=C5=82=C4=87_g=C4=99=C5=9Bl=C4=85?= =?UTF-8?Q?_ja=C5=BA=C5=84?=": POLISH,
        "Re: =?ISO-8859-2?Q?Za=BF=F3=B3=E6?= test": "Re: Zażółć test",
    }
    for encoded, decoded in cases.items():
        message_id = deliver(server, make_message(subject=encoded))
        row = stored(server, message_id)
        assert row["subject"] == decoded, encoded
        assert dict(row["headers"])["Subject"] == encoded  # the stored header field keeps the wire form


def test_folded_subject_is_unfolded(server):
    message = (b"From: a@client.test\r\nTo: alice@example.test\r\n"
               b"Subject: =?UTF-8?B?WmHFvMOzxYLEhw==?=\r\n =?UTF-8?B?IGfEmcWbbMSFIGphxbrFhA==?=\r\n\r\nbody\r\n")
    row = stored(server, deliver(server, message))
    assert row["subject"] == POLISH
    assert "message_id" not in row  # absent: the message has no Message-ID


def test_smtputf8_address(server):
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<józef@klient.test>".encode()), "553 5.6.7")
        assert_reply(c.cmd("MAIL FROM:<józef@klient.test> SMTPUTF8".encode()), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<żaneta@example.test>".encode()), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        message = make_message(subject=POLISH, sender="Józef <józef@klient.test>", to="żaneta@example.test")
        c.send(message + b".\r\n")
        done = assert_reply(c.reply(), "250 2.0.0")
    row = stored(server, queued_id(done.last[4:]))
    assert row["sender"] == "józef@klient.test"
    assert row["recipients"] == ["żaneta@example.test"]
    assert row["raw"] == message


def test_bare_lf_lines_are_stored_with_crlf_and_do_not_end_data(server):
    """SMTP smuggling: '<LF>.<CR><LF>' is not the end of data; only '<CR><LF>.<CR><LF>' is."""
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        c.send(b"Subject: smuggle\r\n\r\nline one\nline two\n.\r\n"
               b"MAIL FROM:<smuggled@evil.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
               b"Subject: smuggled\r\n\r\nsmuggled body\r\n.\r\n")
        done = assert_reply(c.reply(), "250 2.0.0")
        assert_reply(c.cmd("NOOP"), "250 2.0.0")  # nothing else was answered before this
    assert message_count(server) == 1
    row = stored(server, queued_id(done.last[4:]))
    assert row["subject"] == "smuggle"
    assert row["recipients"] == ["alice@example.test"]
    assert row["raw"].startswith(b"Subject: smuggle\r\n\r\nline one\r\nline two\r\n")
    assert b"\n" not in row["raw"].replace(b"\r\n", b"")
    assert row["raw"].endswith(b"MAIL FROM:<smuggled@evil.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
                               b"Subject: smuggled\r\n\r\nsmuggled body\r\n")


def test_postmaster_and_subaddress_with_listed_mailboxes(make_server):
    server = make_server(config_with(mail={"catch_all": False, "mailboxes": ["alice@example.test"]}))
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert_reply(c.cmd("RCPT TO:<ALICE+holiday@Example.Test>"), "250 2.1.5")
        assert_reply(c.cmd("RCPT TO:<postmaster@example.test>"), "250 2.1.5")
        assert_reply(c.cmd("RCPT TO:<Postmaster>"), "250 2.1.5")
        assert_reply(c.cmd("RCPT TO:<bob@example.test>"), "550 5.1.1")
        assert_reply(c.cmd("RCPT TO:<alice@elsewhere.test>"), "550 5.7.1")
        assert c.cmd("DATA").code == 354
        c.send(make_message(subject="listed") + b".\r\n")
        done = assert_reply(c.reply(), "250 2.0.0")
    row = stored(server, queued_id(done.last[4:]))
    assert row["recipients"] == ["alice@example.test", "ALICE+holiday@example.test",
                                 "postmaster@example.test", "postmaster"]
    assert_still_serves(server)


# --- bad input: clear answers, and the server keeps serving --------------------------------------

def test_unknown_command(server):
    with RawSMTP(server) as c:
        assert_reply(c.cmd("XYZZY plugh"), "500 5.5.2")
        assert_reply(c.cmd("GET / HTTP/1.1"), "500 5.5.2")
        c.ehlo()  # session still usable
    assert_still_serves(server)


def test_invalid_bytes_in_command(server):
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd(b"NOOP \xff\xfe"), "500 5.5.2")
        assert_reply(c.cmd(b"MAIL FROM:<a@client.test>\x00"), "500 5.5.2")
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
    assert_still_serves(server)


def test_commands_out_of_order(server):
    with RawSMTP(server) as c:
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "503 5.5.1")  # before HELO/EHLO
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "503 5.5.1")
        assert_reply(c.cmd("DATA"), "503 5.5.1")
        c.ehlo()
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "503 5.5.1")  # before MAIL
        assert_reply(c.cmd("DATA"), "503 5.5.1")  # without MAIL
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("MAIL FROM:<b@client.test>"), "503 5.5.1")  # nested
        assert_reply(c.cmd("DATA"), "503 5.5.1")  # without RCPT
        assert_reply(c.cmd("RSET"), "250 2.0.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "503 5.5.1")  # RSET cleared the MAIL
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("EHLO again.test"), "250 ")  # EHLO also resets the transaction
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "503 5.5.1")
    assert message_count(server) == 0
    assert_still_serves(server)


def test_rcpt_before_mail_with_smtplib(server):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="client.test", timeout=10) as s:
        s.ehlo()
        code, text = s.rcpt("alice@example.test")
        assert (code, text[:5]) == (503, b"5.5.1")
    assert_still_serves(server)


def test_mail_without_helo_with_smtplib(server):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        code, text = s.mail("a@client.test")  # smtplib does not say EHLO by itself here
        assert (code, text[:5]) == (503, b"5.5.1")
    assert_still_serves(server)


def test_mail_syntax_errors(server):
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:a@client.test"), "501 5.5.4")  # no brackets
        assert_reply(c.cmd("MAIL TO:<a@client.test>"), "501 5.5.4")
        assert_reply(c.cmd("MAIL FROM:<not an address>"), "553 5.1.7")
        assert_reply(c.cmd("MAIL FROM:<a@client.test> FROBNICATE=1"), "555 5.5.4")
        assert_reply(c.cmd("MAIL FROM:<a@client.test> SIZE=abc"), "501 5.5.4")
        assert_reply(c.cmd("MAIL FROM:<a@client.test> BODY=8BITMIME SIZE=100"), "250 2.1.0")
    assert_still_serves(server)


def test_relay_attempt_is_refused(server):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="client.test", timeout=10) as s:
        s.ehlo()
        assert s.mail("spammer@client.test")[0] == 250
        code, text = s.rcpt("victim@elsewhere.test")
        assert code == 550 and text.startswith(b"5.7.1") and b"Relay access denied" in text
        code, text = s.rcpt("victim@example.test.elsewhere.test")
        assert (code, text[:5]) == (550, b"5.7.1")
        code, text = s.rcpt("victim@sub.example.test")  # subdomains are not local unless listed
        assert (code, text[:5]) == (550, b"5.7.1")
        code, _ = s.docmd("DATA")
        assert code == 503
    assert message_count(server) == 0
    assert_still_serves(server)


def test_unknown_user_refused_when_not_catch_all(make_server):
    server = make_server(config_with(mail={"catch_all": False, "mailboxes": ["alice@example.test"]}))
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="client.test", timeout=10) as s:
        s.ehlo()
        assert s.mail("a@client.test")[0] == 250
        code, text = s.rcpt("nobody@example.test")
        assert (code, text[:5]) == (550, b"5.1.1")
    assert_still_serves(server)


def test_over_long_command_line(server):
    with RawSMTP(server) as c:
        c.ehlo()
        c.send(b"NOOP " + b"x" * 5000 + b"\r\nNOOP\r\n")
        assert_reply(c.reply(), "500 5.5.2")
        assert_reply(c.reply(), "250 2.0.0")  # the rest of the long line was discarded, session goes on
        # The same, arriving in pieces.
        c.send(b"MAIL FROM:<" + b"a" * 700)
        time.sleep(0.05)
        c.send(b"b" * 700)
        time.sleep(0.05)
        c.send(b"@client.test>\r\n")
        assert_reply(c.reply(), "500 5.5.2")
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
    assert_still_serves(server)


def test_over_long_data_line_refuses_message(server):
    with RawSMTP(server) as c:
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        c.send(b"Subject: long\r\n\r\n" + b"y" * 3000 + b"\r\nafter\r\n.\r\n")
        assert_reply(c.reply(), "500 5.5.2")
        # The transaction is over; a new one works on the same connection.
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
    assert message_count(server) == 0
    assert_still_serves(server)


def test_bare_lf_flood(server):
    """100k bare LFs: each is a bad (empty) command; after max_errors the server says 421 and closes."""
    with RawSMTP(server) as c:
        try:
            c.send(b"\n" * 100_000)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before reading all of it
        data = c.read_until_closed()
    lines = [line for line in data.split(b"\r\n") if line]
    assert lines, "no reply at all to the flood"
    assert lines[-1].startswith(b"421 4.7.0"), lines[-3:]
    assert b"too many errors" in lines[-1]
    assert all(line.startswith(b"500 5.5.2") for line in lines[:-1]), set(lines[:-1])
    assert len(lines) <= 21  # bounded by max_errors (default 20), not one reply per LF
    assert_still_serves(server)


def test_client_disconnects_mid_data(server):
    before = message_count(server)
    for partial in (b"Subject: cut\r\n\r\nhalf a mess", b"Subject: cut\r\n\r\nall lines\r\n", b""):
        c = RawSMTP(server)
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
        assert c.cmd("DATA").code == 354
        if partial:
            c.send(partial)
        c.sock.shutdown(socket.SHUT_RDWR)
        c.close()
    assert before == 0
    final_id = assert_still_serves(server)
    after = log_entries(server)
    assert [entry["id"] for entry in after] == [final_id]  # only the final normal message
    assert after[0]["recipients"] == ["alice@example.test"]
    assert stored(server, final_id)["raw"] is not None


def test_client_disconnects_mid_data_half_close(server):
    """A client that sends an unfinished message and half-closes (FIN) gets nothing stored."""
    c = RawSMTP(server)
    c.ehlo()
    assert_reply(c.cmd("MAIL FROM:<a@client.test>"), "250 2.1.0")
    assert_reply(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5")
    assert c.cmd("DATA").code == 354
    c.send(b"Subject: cut\r\n\r\nno end of data\r\n")
    c.sock.shutdown(socket.SHUT_WR)
    c.read_until_closed()
    c.close()
    assert message_count(server) == 0
    assert_still_serves(server)
