"""The reply engine end to end: `replyd vacation set`, a mail sent with smtplib, the decision and the
queued reply read back through `replyd explain --json` and `replyd queue show --json` and parsed with
Python's `email` package.

Nothing is delivered (delivery mode "hold"): a reply is a pending queue item. Every rule of DESIGN.md
("Rules that the policy must know") and issue 3 is reached through the real server at least once.
"""
import base64
import json
import re
import signal
import uuid
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest

from conftest import (DEFAULT_CONFIG, PAST, Server, cli_lines, config_with, decisions, deliver, log_entries,
                      make_message, only_decision, only_reply, outbound_rows, parse_reply, queue_item, queue_items,
                      reply_body, set_vacation)

POLISH = "Zażółć gęślą jaźń"
MESSAGE_ID_RE = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
REQUIRED_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "X-Auto-Response-Suppress",
                    "MIME-Version", "Content-Type", "Content-Transfer-Encoding")
# Headers a reply must never carry: it goes to the envelope sender and nobody else.
FORBIDDEN_HEADERS = ("Cc", "Bcc", "Reply-To", "Resent-To", "Resent-Cc", "Resent-Bcc", "Return-Path")


def b64_word(text: str) -> str:
    return "=?UTF-8?B?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def header_section(data: bytes) -> bytes:
    head, sep, _ = data.partition(b"\r\n\r\n")
    assert sep, f"no CRLF CRLF between header and body in {data!r}"
    return head


def assert_wire_format(data: bytes):
    """7-bit, CRLF only, body lines at most 76 characters (quoted-printable), header lines at most 998."""
    data.decode("ascii")  # RFC 2047 headers and a quoted-printable body leave no 8-bit byte
    assert b"\n" not in data.replace(b"\r\n", b""), "bare LF in the reply"
    assert b"\r" not in data.replace(b"\r\n", b""), "bare CR in the reply"
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        assert len(line) <= 998, line
    for line in body.split(b"\r\n"):
        assert len(line) <= 76, f"body line of {len(line)} characters: {line!r}"


def assert_reply_headers(message, *, mailbox, to, owner_name=None):
    for name in REQUIRED_HEADERS:
        values = message.get_all(name)
        assert values is not None and len(values) == 1, f"{name}: {values} in\n{message}"
    for name in FORBIDDEN_HEADERS:
        assert message.get_all(name) is None, f"unexpected {name} in\n{message}"
    (sender,) = message["From"].addresses
    assert sender.addr_spec == mailbox
    assert sender.display_name == (owner_name or "")
    (recipient,) = message["To"].addresses
    assert recipient.addr_spec == to
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["MIME-Version"] == "1.0"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message["Content-Transfer-Encoding"].lower() == "quoted-printable"
    assert MESSAGE_ID_RE.match(message["Message-ID"]), message["Message-ID"]
    sent = parsedate_to_datetime(message["Date"])
    assert sent.tzinfo is not None
    assert abs(sent - datetime.now(timezone.utc)) < timedelta(days=1), message["Date"]


def explain(server, message_id) -> str:
    return server.run_cli("explain", str(message_id)).stdout


def assert_suppressed(server, message_id, reason, recipient=None):
    rows = decisions(server, message_id)
    if recipient is not None:
        rows = [row for row in rows if row["recipient"] == recipient]
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["replied"], row.get("reason"), row.get("reply")) == (False, reason, None), row
    failed = [check for check in row["checks"] if not check["passed"]]
    assert failed and failed[0]["rule"] == reason, row["checks"]
    if recipient is None:
        assert outbound_rows(server, message_id) == []
    return row


def assert_replied(server, message_id, recipient):
    rows = [row for row in decisions(server, message_id) if row["recipient"] == recipient]
    assert len(rows) == 1, decisions(server, message_id)
    row = rows[0]
    assert (row["replied"], row.get("reason")) == (True, None), row
    assert row.get("reply") is not None and row["reply"]["status"] == "pending", row
    assert all(check["passed"] for check in row["checks"]), row["checks"]
    queued = queue_item(server, row["reply"]["id"])
    assert (queued["id"], queued["message"], queued["status"]) == (row["reply"]["id"], message_id, "pending"), queued
    return row


def reply_mailboxes(server, message_id) -> dict:
    """queue id -> the mailbox whose vacation reply it is, for the replies to one inbound message."""
    return {row["reply"]["id"]: row["mailbox"] for row in decisions(server, message_id) if row.get("reply")}


# --- the reply itself ------------------------------------------------------------------------------------

TEMPLATE = (
    "Dzień dobry {{sender_name}} <{{sender_address}}>,\n"
    "\n"
    f"{POLISH} — ĄĆĘŁŃÓŚŹŻ ąćęłńóśźż.\n"
    "{{owner_name}} ({{mailbox}}) jest nieobecna od {{start}} do {{end}}.\n"
    "W pilnych sprawach: {{deputy_name}} <{{deputy_address}}>.\n"
    "Dotyczy: „{{original_subject}}”\n"
)


def test_reply_headers_template_and_polish_body(server):
    out = set_vacation(server, "alice@example.test", TEMPLATE, "--end", "2099-12-31T18:00",
                       "--owner-name", "Alicja Kowalska", "--deputy-name", "Bartłomiej Nowak",
                       "--deputy-address", "bartek@example.test", "--timezone", "Europe/Warsaw", "--locale", "pl",
                       start="2026-01-15T10:30").stdout
    assert out.startswith("vacation reply set for alice@example.test:"), out
    message = make_message(subject=b64_word("Faktura za październik"),
                           sender=f"{b64_word('Józef Żółtowski')} <jozef@client.test>",
                           to="Alicja <alice@example.test>", message_id="<orig-1@client.test>",
                           extra_headers=["References: <root@client.test>\r\n <mid@client.test>"])
    message_id = deliver(server, message, sender="jozef@client.test", rcpts=["alice@example.test"])

    decision = assert_replied(server, message_id, "alice@example.test")
    assert decision["mailbox"] == "alice@example.test"
    row, reply = only_reply(server, message_id)
    assert row["id"] == decision["reply"]["id"]
    assert row["channel"] == "email"
    assert row["kind"] == "vacation"
    assert row["status"] == "pending"
    assert row["message"] == message_id
    assert reply_mailboxes(server, message_id) == {row["id"]: "alice@example.test"}
    assert row["envelope_sender"] == ""  # <> by default (RFC 3834 loop prevention)
    assert row["recipient"] == "jozef@client.test"
    assert row["subject"] == "Auto: Faktura za październik"

    assert_wire_format(row["data"])
    assert_reply_headers(reply, mailbox="alice@example.test", to="jozef@client.test", owner_name="Alicja Kowalska")
    assert str(reply["Subject"]) == "Auto: Faktura za październik"
    assert b"=?" in re.search(rb"(?im)^Subject:[^\r\n]*(?:\r\n[ \t][^\r\n]*)*", row["data"]).group(0), "Subject not RFC 2047"
    assert reply["In-Reply-To"] == "<orig-1@client.test>"
    assert reply["References"].split() == ["<root@client.test>", "<mid@client.test>", "<orig-1@client.test>"]
    assert reply["Message-ID"] != "<orig-1@client.test>"
    assert re.fullmatch(r"<[0-9a-f-]{36}@example\.test>", reply["Message-ID"]), reply["Message-ID"]  # the mailbox's domain

    expected = (
        "Dzień dobry Józef Żółtowski <jozef@client.test>,\n"
        "\n"
        f"{POLISH} — ĄĆĘŁŃÓŚŹŻ ąćęłńóśźż.\n"
        "Alicja Kowalska (alice@example.test) jest nieobecna od 15 stycznia 2026 o 10:30 do 31 grudnia 2099 o 18:00.\n"
        "W pilnych sprawach: Bartłomiej Nowak <bartek@example.test>.\n"
        "Dotyczy: „Faktura za październik”\n"
    )
    body = reply_body(reply)
    assert body == expected
    assert body.encode("utf-8") == expected.encode("utf-8")

    text = explain(server, message_id)
    assert "jozef@client.test" in text and "Faktura za październik" in text, text  # the message itself
    assert f"alice@example.test: REPLIED (outbound {row['id']})" in text, text
    assert "NOT ANSWERED" not in text and "FAIL" not in text
    for rule in ("outside-schedule", "null-sender", "auto-submitted", "list-mail", "precedence-bulk",
                 "not-explicitly-addressed", "already-replied-within-period", "rate-limited"):
        assert f"  ok   {rule}:" in text, text

    # The reply was remembered for this mailbox and this envelope sender: a second mail is not answered.
    again = deliver(server, make_message(subject="Jeszcze raz"), sender="jozef@client.test")
    assert_suppressed(server, again, "already-replied-within-period")
    assert len(queue_items(server)) == 1


def test_reply_goes_to_envelope_sender_not_from_or_reply_to(server):
    set_vacation(server, "alice@example.test")
    message = make_message(sender="Jan <jan@from-header.test>", extra_headers=["Reply-To: replies@elsewhere.test"])
    message_id = deliver(server, message, sender="jan.kowalski@envelope.test")
    row, reply = only_reply(server, message_id)
    assert row["recipient"] == "jan.kowalski@envelope.test"
    assert [a.addr_spec for a in reply["To"].addresses] == ["jan.kowalski@envelope.test"]
    assert b"from-header.test" not in header_section(row["data"])
    assert b"elsewhere.test" not in row["data"]


BODY_EDGE_CASES = (
    ("Zażółć gęślą jaźń, " * 12).rstrip() + "\n"  # a long line: soft line breaks
    + "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ" * 12 + "\n"  # long, no spaces, multi-byte everywhere
    + "Spacje na końcu   \n"  # trailing white space must survive quoted-printable
    + "Tab na końcu\t\n"
    + "From Warszawa, z pozdrowieniami\n"
    + ".\n"
    + "..kropki\n"
    + "a=b, 100% =?UTF-8?Q?nie_dekoduj?= =3D\n"
    + "\n\n"
    + "{{sender_name}}\n"
)


def test_quoted_printable_body_edge_cases_decode_byte_exact(server):
    set_vacation(server, "alice@example.test", BODY_EDGE_CASES)
    message_id = deliver(server, make_message(sender="Ewa <ewa@client.test>"), sender="ewa@client.test")
    row, reply = only_reply(server, message_id)
    assert_wire_format(row["data"])
    expected = BODY_EDGE_CASES.replace("{{sender_name}}", "Ewa")
    assert reply_body(reply).encode("utf-8") == expected.encode("utf-8")


def test_reply_without_original_message_id_has_no_in_reply_to(server):
    set_vacation(server, "alice@example.test")
    message = (b"From: Jan <jan@client.test>\r\nTo: alice@example.test\r\nSubject: no id\r\n"
               b"Date: Wed, 25 Nov 2026 10:00:00 +0000\r\n\r\nHi.\r\n")
    message_id = deliver(server, message, sender="jan@client.test")
    row, reply = only_reply(server, message_id)
    assert reply["In-Reply-To"] is None
    assert reply["References"] is None
    assert MESSAGE_ID_RE.match(reply["Message-ID"])
    assert str(reply["Subject"]) == "Auto: no id"


@pytest.mark.parametrize("locale, expected", [("pl", "Automatyczna odpowiedź"), ("en", "Automated reply")])
def test_subject_when_the_original_has_none(server, locale, expected):
    set_vacation(server, "alice@example.test", "text\n", "--locale", locale)
    message = (b"From: jan@client.test\r\nTo: alice@example.test\r\nMessage-ID: <nosubj@client.test>\r\n"
               b"Date: Wed, 25 Nov 2026 10:00:00 +0000\r\n\r\nHi.\r\n")
    message_id = deliver(server, message, sender="jan@client.test")
    row, reply = only_reply(server, message_id)
    assert str(reply["Subject"]) == expected
    assert row["subject"] == expected
    assert_wire_format(row["data"])


def test_subject_template_and_text_are_not_html_escaped(server):
    set_vacation(server, "alice@example.test", "{{sender_name}} | {{original_subject}}\n",
                 "--subject", "Nieobecność: {{original_subject}} ({{owner_name}})", "--owner-name", "Ala & Co")
    subject = "R&D <plan> \"Q\" 'x'"
    message = make_message(subject=subject, sender="\"O'Brien & Sons\" <ob@client.test>")
    message_id = deliver(server, message, sender="ob@client.test")
    row, reply = only_reply(server, message_id)
    assert str(reply["Subject"]) == f"Nieobecność: {subject} (Ala & Co)"
    assert reply_body(reply) == f"O'Brien & Sons | {subject}\n"
    assert reply["From"].addresses[0].display_name == "Ala & Co"


@pytest.mark.parametrize("owner_name", ["Łukasz Żółkiewski", "Kowalski, Jan", 'Jan "Kowal" Kowalski'])
def test_owner_name_is_encoded_or_quoted_in_from(server, owner_name):
    set_vacation(server, "alice@example.test", "text\n", "--owner-name", owner_name)
    message_id = deliver(server, make_message())
    row, reply = only_reply(server, message_id)
    assert_wire_format(row["data"])
    assert_reply_headers(reply, mailbox="alice@example.test", to="sender@client.test", owner_name=owner_name)


def test_long_subjects_are_folded_and_encoded_words_stay_short(server):
    set_vacation(server, "alice@example.test")
    polish = ("Zażółć gęślą jaźń " * 8).strip()
    ascii_words = "a" * 900 + "\r\n " + "b" * 900  # folded in the original; 1,800+ characters unfolded
    ids = [deliver(server, make_message(subject=b64_word(polish)), sender="one@client.test"),
           deliver(server, make_message(subject=ascii_words), sender="two@client.test")]
    first, second = (only_reply(server, message_id) for message_id in ids)
    assert str(first[1]["Subject"]) == "Auto: " + polish
    # The whole subject is capped at 256 characters, as Pigeonhole's vacation does.
    assert str(second[1]["Subject"]) == "Auto: " + "a" * 249 + "…"
    for row, _ in (first, second):
        assert_wire_format(row["data"])
    for word in re.findall(rb"=\?[^?]+\?[bBqQ]\?[^?]*\?=", first[0]["data"]):
        assert len(word) <= 75, word  # RFC 2047 section 2
    subject_lines = re.search(rb"(?m)^Subject:[^\r\n]*(?:\r\n[ \t][^\r\n]*)*", first[0]["data"]).group(0).split(b"\r\n")
    for line in subject_lines:  # RFC 2047 section 2: a line with encoded-words is at most 76 characters
        assert len(line) <= 76, subject_lines


# --- header injection --------------------------------------------------------------------------------------

INJECTIONS = ["x\r\nBcc: victim@evil.test", "x\nBcc: victim@evil.test", "x\rBcc: victim@evil.test",
              "x\r\n\r\nBcc: victim@evil.test"]


INJECTION_CASES = [pytest.param(payload, "subject-default", id=f"subject-{name}")
                   for payload, name in zip(INJECTIONS, ["crlf", "lf", "cr", "blank-line"])]
INJECTION_CASES += [pytest.param(INJECTIONS[0], where, id=where) for where in ("subject-template", "sender-name")]


@pytest.mark.parametrize("payload, where", INJECTION_CASES)
def test_encoded_cr_lf_never_injects_headers(server, payload, where):
    subject, sender, options = "Hello", "Eve <eve@client.test>", []
    if where == "subject-default":
        subject = b64_word(payload)
    elif where == "subject-template":
        subject, options = b64_word(payload), ["--subject", "Re: {{original_subject}} / {{sender_name}}"]
    else:
        sender, options = f"{b64_word(payload)} <eve@client.test>", ["--subject", "Odp. dla {{sender_name}}"]
    set_vacation(server, "alice@example.test", "Body {{original_subject}} {{sender_name}}\n", *options)
    message_id = deliver(server, make_message(subject=subject, sender=sender), sender="eve@client.test")
    row, reply = only_reply(server, message_id)
    head = header_section(row["data"])
    assert not re.search(rb"(?im)^bcc:", head), head
    assert reply.get_all("Bcc") is None
    assert_wire_format(row["data"])
    assert_reply_headers(reply, mailbox="alice@example.test", to="eve@client.test")
    decoded_subject = str(reply["Subject"])
    assert "\r" not in decoded_subject and "\n" not in decoded_subject, decoded_subject
    assert "\r" not in row["subject"] and "\n" not in row["subject"], row["subject"]
    assert row["recipient"] == "eve@client.test"


def test_owner_name_with_cr_lf_never_injects_headers(server):
    result = set_vacation(server, "alice@example.test", "text\n", "--owner-name", "Eve\r\nBcc: victim@evil.test",
                          check=False)
    if result.returncode != 0:  # refusing the name is fine too
        assert result.stderr.strip()
        return
    message_id = deliver(server, make_message())
    row, reply = only_reply(server, message_id)
    assert not re.search(rb"(?im)^bcc:", header_section(row["data"]))
    assert reply.get_all("Bcc") is None
    assert_wire_format(row["data"])


# --- one reply per sender per period ---------------------------------------------------------------------

def test_second_mail_within_period_is_suppressed(server):
    set_vacation(server, "alice@example.test", "Jestem na urlopie.\n", "--days", "3")
    first = deliver(server, make_message(subject="one"), sender="jan@client.test")
    second = deliver(server, make_message(subject="two"), sender="jan@client.test")
    other = deliver(server, make_message(subject="three"), sender="ewa@client.test")
    assert_replied(server, first, "alice@example.test")
    assert_suppressed(server, second, "already-replied-within-period")
    assert_replied(server, other, "alice@example.test")
    assert len(outbound_rows(server)) == 2
    text = explain(server, second)
    assert "alice@example.test: NOT ANSWERED: already-replied-within-period" in text, text
    assert "  FAIL already-replied-within-period:" in text
    assert "  ok   null-sender:" in text


def test_period_is_per_mailbox(server):
    set_vacation(server, "alice@example.test")
    set_vacation(server, "bob@example.test")
    first = deliver(server, make_message(to="alice@example.test"), sender="jan@client.test",
                    rcpts=["alice@example.test"])
    second = deliver(server, make_message(to="bob@example.test"), sender="jan@client.test",
                     rcpts=["bob@example.test"])
    assert_replied(server, first, "alice@example.test")
    assert_replied(server, second, "bob@example.test")


def test_changing_the_text_starts_a_new_period(server):
    set_vacation(server, "alice@example.test", "Pierwszy tekst.\n")
    ids = [deliver(server, make_message(), sender="jan@client.test")]
    set_vacation(server, "alice@example.test", "Pierwszy tekst.\n", "--end", "2099-01-01")  # same text
    ids.append(deliver(server, make_message(), sender="jan@client.test"))
    set_vacation(server, "alice@example.test", "Drugi tekst, zmieniony.\n")
    ids.append(deliver(server, make_message(), sender="jan@client.test"))
    ids.append(deliver(server, make_message(), sender="jan@client.test"))
    assert_replied(server, ids[0], "alice@example.test")
    assert_suppressed(server, ids[1], "already-replied-within-period")
    assert_replied(server, ids[2], "alice@example.test")
    assert_suppressed(server, ids[3], "already-replied-within-period")
    assert reply_body(only_reply(server, ids[0])[1]) == "Pierwszy tekst.\n"
    assert reply_body(only_reply(server, ids[2])[1]) == "Drugi tekst, zmieniony.\n"


def test_sub_addressed_duplicate_recipients_get_one_reply(server):
    """jan+x@ and jan@ are two envelope recipients of one mailbox: two decisions, one reply."""
    set_vacation(server, "jan@example.test")
    message = make_message(to="jan+x@example.test, jan@example.test")
    message_id = deliver(server, message, rcpts=["jan+x@example.test", "jan@example.test", "jan@example.test"])
    rows = decisions(server, message_id)
    assert sorted(row["recipient"] for row in rows) == ["jan+x@example.test", "jan@example.test"]
    assert sorted(row["replied"] for row in rows) == [False, True]
    assert [row["reason"] for row in rows if not row["replied"]] == ["already-replied-within-period"]
    assert len(outbound_rows(server, message_id)) == 1


def test_rate_limit_per_mailbox(make_server):
    server = make_server(config_with(replies={"max_per_hour": 2}))
    set_vacation(server, "alice@example.test")
    set_vacation(server, "bob@example.test")
    ids = [deliver(server, make_message(), sender=f"s{i}@client.test") for i in range(3)]
    assert_replied(server, ids[0], "alice@example.test")
    assert_replied(server, ids[1], "alice@example.test")
    assert_suppressed(server, ids[2], "rate-limited")
    assert "NOT ANSWERED: rate-limited" in explain(server, ids[2])
    to_bob = deliver(server, make_message(to="bob@example.test"), sender="s2@client.test",
                     rcpts=["bob@example.test"])
    assert_replied(server, to_bob, "bob@example.test")


# --- every suppression reason, and the case next to it that is answered ---------------------------------------

CASES = {
    # id: (expected reason or None for a reply, dict of: sender, headers, to, vacation options, start, no_vacation)
    "no-vacation": ("no-vacation", {"no_vacation": True}),
    "future-start": ("outside-schedule", {"start": "2099-01-01"}),
    "future-start-offset": ("outside-schedule", {"start": "2098-06-01T09:00:00+02:00"}),
    "ended": ("outside-schedule", {"start": "2020-01-01", "options": ["--end", "2021-01-01T00:00"]}),
    "ended-offset": ("outside-schedule", {"start": "2020-01-01", "options": ["--end", "2021-06-01T12:00:00Z"]}),
    "started-now": (None, {"start": "now", "options": ["--end", "2099-01-01"]}),
    "null-sender": ("null-sender", {"sender": ""}),
    "own-address": ("own-address", {"sender": "{mbox}"}),
    "own-address-case": ("own-address", {"sender": "{MBOX}"}),
    "own-alias": ("own-address", {"sender": "alias-{local}@example.test",
                                  "options": ["--alias", "alias-{local}@example.test"]}),
    "mailer-daemon": ("automated-sender", {"sender": "MAILER-DAEMON@client.test"}),
    "mailer-daemon-lower": ("automated-sender", {"sender": "mailer-daemon@client.test"}),
    "listserv": ("automated-sender", {"sender": "LISTSERV@lists.client.test"}),
    "majordomo": ("automated-sender", {"sender": "majordomo@client.test"}),
    "owner-star": ("automated-sender", {"sender": "owner-staff@client.test"}),
    "star-request": ("automated-sender", {"sender": "staff-request@client.test"}),
    "noreply": ("automated-sender", {"sender": "noreply@client.test"}),
    "no-reply": ("automated-sender", {"sender": "no-reply@client.test"}),
    "donotreply": ("automated-sender", {"sender": "DoNotReply@client.test"}),
    "bounce": ("automated-sender", {"sender": "bounce@client.test"}),
    "postmaster-is-human": (None, {"sender": "postmaster@client.test"}),
    "noreply-mailbox-is-answered": (None, {"mbox": "noreply@example.test"}),
    "auto-generated": ("auto-submitted", {"headers": ["Auto-Submitted: auto-generated"]}),
    "auto-replied-case": ("auto-submitted", {"headers": ["AUTO-SUBMITTED: Auto-Replied"]}),
    "auto-notified-params": ("auto-submitted", {"headers": ["Auto-Submitted: auto-notified; owner-email=x@y.test"]}),
    "auto-submitted-second-instance": ("auto-submitted", {"headers": ["Auto-Submitted: no",
                                                                      "Auto-Submitted: auto-generated"]}),
    "auto-submitted-no": (None, {"headers": ["Auto-Submitted: no"]}),
    "auto-submitted-NO": (None, {"headers": ["Auto-Submitted: NO"]}),
    "list-id": ("list-mail", {"headers": ["List-Id: Staff <staff.client.test>"]}),
    "list-help": ("list-mail", {"headers": ["List-Help: <mailto:staff-request@client.test?subject=help>"]}),
    "list-subscribe": ("list-mail", {"headers": ["List-Subscribe: <mailto:staff-join@client.test>"]}),
    "list-unsubscribe": ("list-mail", {"headers": ["List-Unsubscribe: <https://client.test/unsub>"]}),
    "list-post": ("list-mail", {"headers": ["List-Post: <mailto:staff@client.test>"]}),
    "list-owner": ("list-mail", {"headers": ["List-Owner: <mailto:boss@client.test>"]}),
    "list-archive": ("list-mail", {"headers": ["list-archive: <https://client.test/archive>"]}),
    "precedence-bulk": ("precedence-bulk", {"headers": ["Precedence: bulk"]}),
    "precedence-list": ("precedence-bulk", {"headers": ["Precedence: list"]}),
    "precedence-junk": ("precedence-bulk", {"headers": ["Precedence: junk"]}),
    "precedence-Bulk": ("precedence-bulk", {"headers": ["Precedence: Bulk"]}),
    "xars-oof": ("auto-response-suppressed", {"headers": ["X-Auto-Response-Suppress: OOF"]}),
    "xars-all": ("auto-response-suppressed", {"headers": ["X-Auto-Response-Suppress: All"]}),
    "xars-list-with-oof": ("auto-response-suppressed", {"headers": ["X-Auto-Response-Suppress: DR, RN, NRN, OOF"]}),
    "xars-dr-only": (None, {"headers": ["X-Auto-Response-Suppress: DR"]}),
    "only-in-envelope": ("not-explicitly-addressed", {"to": "team@example.test"}),
    "substring-in-to": ("not-explicitly-addressed", {"to": "not-{mbox}"}),
    "only-in-display-name": ("not-explicitly-addressed", {"to": "\"{mbox}\" <team@example.test>"}),
    "in-cc": (None, {"to": "team@example.test", "headers": ["Cc: Someone <x@client.test>, {mbox}"]}),
    "in-bcc": (None, {"to": "team@example.test", "headers": ["Bcc: {mbox}"]}),
    "in-resent-to": (None, {"to": "team@example.test", "headers": ["Resent-To: {mbox}"]}),
    "in-resent-cc": (None, {"to": "team@example.test", "headers": ["Resent-Cc: {mbox}"]}),
    "in-resent-bcc": (None, {"to": "team@example.test", "headers": ["Resent-Bcc: {mbox}"]}),
    "to-list-any-case": (None, {"to": "a@client.test, \"Kowalska, Alicja\" <{MBOX}>"}),
    "to-alias": (None, {"to": "alias-{local}@example.test", "options": ["--alias", "alias-{local}@example.test"]}),
    "contacts-only": ("not-a-contact", {"options": ["--contacts-only"]}),
    "same-domain": ("other-domain", {"options": ["--same-domain"]}),
    "same-domain-internal-sender": (None, {"sender": "kolega@example.test", "options": ["--same-domain"]}),
}


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One server for the table below: every case uses its own mailbox, so cases cannot interfere."""
    server = Server(tmp_path_factory.mktemp("rules"), DEFAULT_CONFIG)
    yield server
    server.stop(signal.SIGKILL)


@pytest.mark.parametrize("case", list(CASES))
def test_rule(shared_server, case):
    server = shared_server
    reason, spec = CASES[case]
    local = re.sub(r"[^a-z0-9]", "", case.lower()) + uuid.uuid4().hex[:6]
    mbox = spec.get("mbox", f"{local}@example.test")

    def fill(text):
        return text.replace("{mbox}", mbox).replace("{MBOX}", mbox.upper()).replace("{local}", local)

    if not spec.get("no_vacation"):
        options = [fill(option) for option in spec.get("options", [])]
        set_vacation(server, mbox, "Jestem na urlopie.\n", *options, start=spec.get("start", PAST))
    sender = fill(spec.get("sender", f"person-{local}@client.test"))
    message = make_message(to=fill(spec.get("to", "{mbox}")), sender=f"Nadawca <{sender or 'x@client.test'}>",
                           extra_headers=[fill(h) for h in spec.get("headers", [])])
    message_id = deliver(server, message, sender=sender, rcpts=[mbox])
    text = explain(server, message_id)
    if reason is None:
        assert_replied(server, message_id, mbox)
        row, reply = only_reply(server, message_id)
        assert row["recipient"] == sender.lower() or row["recipient"] == sender
        assert f"{mbox}: REPLIED (outbound {row['id']})" in text, text
    else:
        assert_suppressed(server, message_id, reason)
        assert f"{mbox}: NOT ANSWERED: {reason}" in text, text
        assert f"  FAIL {reason}:" in text, text


# --- restrictions ---------------------------------------------------------------------------------------------

def test_contacts_only_with_contacts_add(server):
    set_vacation(server, "alice@example.test", "text\n", "--contacts-only")
    server.run_cli("contacts", "add", "alice@example.test", "jan@client.test", "--name", "Jan Kowalski")
    server.run_cli("contacts", "add", "alice@example.test", "ewa@CLIENT.TEST")
    server.run_cli("contacts", "add", "*", "prezes@client.test", "--name", "Prezes")
    server.run_cli("contacts", "add", "bob@example.test", "onlybob@client.test")
    replied = {sender: deliver(server, make_message(), sender=sender)
               for sender in ("jan@client.test", "ewa@client.test", "prezes@client.test")}
    refused = {sender: deliver(server, make_message(), sender=sender)
               for sender in ("onlybob@client.test", "stranger@client.test")}
    for message_id in replied.values():
        assert_replied(server, message_id, "alice@example.test")
    for message_id in refused.values():
        assert_suppressed(server, message_id, "not-a-contact")
    assert "  ok   not-a-contact:" in explain(server, replied["prezes@client.test"])


def test_contacts_only_with_csv_import(server):
    set_vacation(server, "alice@example.test", "text\n", "--contacts-only")
    own = server.workdir / "alice.csv"
    own.write_text("name,email\nJan Kowalski,jan@client.test\n\"Nowak, Ewa\",ewa@client.test\n", encoding="utf-8")
    everyone = server.workdir / "org.csv"
    everyone.write_text("address\r\nprezes@client.test\r\n", encoding="utf-8")
    assert "imported 2 contacts for alice@example.test" in server.run_cli(
        "contacts", "import", "alice@example.test", str(own)).stdout
    assert "imported 1 contacts for *" in server.run_cli("contacts", "import", "*", str(everyone)).stdout
    for sender in ("jan@client.test", "ewa@client.test", "prezes@client.test"):
        assert_replied(server, deliver(server, make_message(), sender=sender), "alice@example.test")
    assert_suppressed(server, deliver(server, make_message(), sender="stranger@client.test"), "not-a-contact")


def test_same_domain_counts_every_local_domain(make_server):
    server = make_server(config_with(mail={"local_domains": ["example.test", "example.org"]}))
    set_vacation(server, "alice@example.test", "text\n", "--same-domain")
    inside = [deliver(server, make_message(), sender=s) for s in ("kolega@example.test", "ola@example.org")]
    outside = [deliver(server, make_message(), sender=s) for s in ("jan@client.test", "eve@example.test.evil.test")]
    for message_id in inside:
        assert_replied(server, message_id, "alice@example.test")
    for message_id in outside:
        assert_suppressed(server, message_id, "other-domain")


def test_internal_and_external_texts(make_server):
    server = make_server(config_with(mail={"local_domains": ["example.test", "example.org"]}))
    set_vacation(server, "alice@example.test", "Dzień dobry, jestem na urlopie.\n", "--deputy-name", "Bartłomiej",
                 internal="Cześć {{sender_name}}, zastępuje mnie {{deputy_name}}.\n")
    internal = deliver(server, make_message(sender="Kasia <kasia@example.org>"), sender="kasia@example.org")
    colleague = deliver(server, make_message(sender="Piotr <piotr@example.test>"), sender="piotr@example.test")
    external = deliver(server, make_message(sender="Jan <jan@client.test>"), sender="jan@client.test")
    assert reply_body(only_reply(server, internal)[1]) == "Cześć Kasia, zastępuje mnie Bartłomiej.\n"
    assert reply_body(only_reply(server, colleague)[1]) == "Cześć Piotr, zastępuje mnie Bartłomiej.\n"
    assert reply_body(only_reply(server, external)[1]) == "Dzień dobry, jestem na urlopie.\n"


def test_english_locale_and_time_zone(server):
    set_vacation(server, "alice@example.test", "Back on {{end}}.\n", "--locale", "en",
                 "--timezone", "America/New_York", "--end", "2099-06-30T12:00:00Z")
    row, reply = only_reply(server, deliver(server, make_message()))
    body = reply_body(reply)
    assert body.startswith("Back on ") and "June" in body and "30" in body and "2099" in body, body
    assert "8:00" in body, body  # 12:00 UTC is 08:00 EDT
    assert "12:00" not in body, body


@pytest.mark.parametrize("zone, start, expected", [
    ("Asia/Tokyo", "2020-01-01T10:30:00Z", "1 stycznia 2020 o 19:30"),
    ("Europe/Warsaw", "2020-07-01T10:30:00+00:00", "1 lipca 2020 o 12:30"),
    ("Europe/Warsaw", "2020-03-10T12:45", "10 marca 2020 o 12:45"),
])
def test_dates_are_shown_in_the_mailbox_time_zone(server, zone, start, expected):
    set_vacation(server, "alice@example.test", "Od {{start}}.\n", "--timezone", zone, "--locale", "pl", start=start)
    row, reply = only_reply(server, deliver(server, make_message()))
    assert reply_body(reply) == f"Od {expected}.\n"


# --- several recipients, aliases, sub-addresses -----------------------------------------------------------------

def test_two_mailboxes_on_vacation_get_two_decisions_and_two_replies(server):
    set_vacation(server, "alice@example.test", "Alicja na urlopie.\n", "--owner-name", "Alicja")
    set_vacation(server, "bob@example.test", "Bob na urlopie.\n", "--owner-name", "Bob")
    message = make_message(to="alice@example.test, Bob <bob@example.test>", extra_headers=["Cc: carol@example.test"])
    message_id = deliver(server, message, sender="jan@client.test",
                         rcpts=["alice@example.test", "bob@example.test", "carol@example.test"])
    assert len(decisions(server, message_id)) == 3
    assert_replied(server, message_id, "alice@example.test")
    assert_replied(server, message_id, "bob@example.test")
    assert_suppressed(server, message_id, "no-vacation", recipient="carol@example.test")
    rows = outbound_rows(server, message_id)
    mailboxes = reply_mailboxes(server, message_id)
    assert sorted(row["id"] for row in rows) == sorted(mailboxes)
    assert sorted(mailboxes.values()) == ["alice@example.test", "bob@example.test"]
    replies = {mailboxes[row["id"]]: parse_reply(row["data"]) for row in rows}
    for mailbox, name in (("alice@example.test", "Alicja"), ("bob@example.test", "Bob")):
        assert_reply_headers(replies[mailbox], mailbox=mailbox, to="jan@client.test", owner_name=name)
        assert reply_body(replies[mailbox]) == f"{name} na urlopie.\n"
    assert replies["alice@example.test"]["Message-ID"] != replies["bob@example.test"]["Message-ID"]
    text = explain(server, message_id)
    assert "alice@example.test: REPLIED" in text and "bob@example.test: REPLIED" in text
    assert "carol@example.test: NOT ANSWERED: no-vacation" in text


def test_sub_address_uses_the_base_mailbox_vacation(server):
    set_vacation(server, "jan@example.test", "Jan: {{mailbox}}\n", "--owner-name", "Jan Nowak")
    message_id = deliver(server, make_message(to="jan+faktury@example.test"), sender="kontrahent@client.test",
                         rcpts=["jan+faktury@example.test"])
    decision = assert_replied(server, message_id, "jan+faktury@example.test")
    assert decision["mailbox"] == "jan@example.test"
    row, reply = only_reply(server, message_id)
    assert reply_mailboxes(server, message_id) == {row["id"]: "jan@example.test"}
    assert_reply_headers(reply, mailbox="jan@example.test", to="kontrahent@client.test", owner_name="Jan Nowak")
    assert reply_body(reply) == "Jan: jan@example.test\n"


def test_aliases_count_as_explicitly_addressed(server):
    set_vacation(server, "alice@example.test", "text\n", "--alias", "ala@example.test",
                 "--alias", "a.kowalska@example.test")
    for header in ("To: Ala <ala@example.test>", "To: A.Kowalska@Example.Test"):
        to = header.split(": ", 1)[1]
        message_id = deliver(server, make_message(to=to), sender=f"{uuid.uuid4().hex[:8]}@client.test")
        assert_replied(server, message_id, "alice@example.test")
    stray = deliver(server, make_message(to="ola@example.test"), sender="jan@client.test")
    assert_suppressed(server, stray, "not-explicitly-addressed")


def test_the_reply_goes_to_the_sender_as_written_and_from_the_alias_in_to(server):
    """Pigeonhole parity: the return path's case is kept (RFC 5321 2.4), the period is per address
    whatever its case, and an alias in To (expanded to the mailbox before us) is the From
    (Pigeonhole's smtp.svtest "Envelope.to != To")."""
    set_vacation(server, "alice@example.test", "text\n", "--alias", "ala@example.test")
    first = deliver(server, make_message(to="Ala <ala@example.test>", sender="Jan.Kowalski@Client.test"),
                    sender="Jan.Kowalski@Client.test", rcpts=["alice@example.test"])
    row, reply = only_reply(server, first)
    # The domain is case-insensitive (and stored lower-cased); the local part is kept as written.
    assert row["recipient"] == "Jan.Kowalski@client.test" and reply["To"].addresses[0].addr_spec == "Jan.Kowalski@client.test"
    assert reply["From"].addresses[0].addr_spec == "ala@example.test"
    assert reply["Precedence"] == "bulk"
    again = deliver(server, make_message(to="alice@example.test", sender="jan.kowalski@client.test"),
                    sender="jan.kowalski@client.test", rcpts=["alice@example.test"])
    assert_suppressed(server, again, "already-replied-within-period")


def test_the_reply_comes_from_the_alias_written_to_or_the_chosen_from(server):
    """Sieve :from (RFC 5230 4.3) and Pigeonhole's default: answer from the address the sender used."""
    set_vacation(server, "alice@example.test", "text\n", "--alias", "ala@example.test", "--owner-name", "Alicja Nowak")

    def reply_from(rcpt):
        message_id = deliver(server, make_message(to=rcpt), sender=f"{uuid.uuid4().hex[:8]}@client.test", rcpts=[rcpt])
        _, reply = only_reply(server, message_id)
        return reply["From"].addresses[0], reply["Message-ID"]

    alias_from, alias_id = reply_from("ala@example.test")
    assert (alias_from.addr_spec, alias_from.display_name) == ("ala@example.test", "Alicja Nowak")
    assert alias_id.endswith("@example.test>")
    assert reply_from("alice@example.test")[0].addr_spec == "alice@example.test"
    # Sub-addressed alias: its base address is the alias.
    assert reply_from("ala+biuro@example.test")[0].addr_spec == "ala@example.test"
    # A chosen From wins, whichever address was written to.
    set_vacation(server, "alice@example.test", "text 2\n", "--alias", "ala@example.test", "--from", "alice@example.test")
    assert reply_from("ala@example.test")[0].addr_spec == "alice@example.test"
    assert "from alice@example.test" in server.run_cli("vacation", "list").stdout
    # Only the person's own addresses may be chosen.
    refused = set_vacation(server, "alice@example.test", "text 3\n", "--from", "ceo@example.test", check=False)
    assert refused.returncode == 1 and "--from: must be the mailbox or one of its aliases" in refused.stderr


# --- loops, configuration -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("envelope", ["null", "mailbox"])
def test_two_vacationing_mailboxes_never_loop(make_server, envelope):
    server = make_server(config_with(replies={"envelope_sender": envelope}))
    set_vacation(server, "alice@example.test")
    set_vacation(server, "bob@example.test")
    first = deliver(server, make_message(to="alice@example.test", sender="bob@example.test"),
                    sender="bob@example.test", rcpts=["alice@example.test"])
    row, _ = only_reply(server, first)
    assert row["envelope_sender"] == ("" if envelope == "null" else "alice@example.test")
    # The reply, handed back to the server as an MTA would deliver it to bob:
    echoed = deliver(server, row["data"], sender=row["envelope_sender"], rcpts=[row["recipient"]])
    decision = only_decision(server, echoed)
    assert decision["replied"] is False, decision
    expected = {"null-sender", "auto-submitted"} if envelope == "null" else {"auto-submitted", "own-address"}
    assert decision["reason"] in expected | {"auto-response-suppressed"}, decision
    checks = {check["rule"]: check["passed"] for check in decision["checks"]}
    assert checks.get("auto-submitted") is False, decision["checks"]
    assert len(outbound_rows(server)) == 1


def test_replies_disabled(make_server):
    server = make_server(config_with(replies={"enabled": False}))
    set_vacation(server, "alice@example.test")
    message_id = deliver(server, make_message())
    assert decisions(server) == []
    assert outbound_rows(server) == []
    assert [(entry["id"], entry["decisions"]) for entry in log_entries(server)] == [(message_id, [])]


# --- simulate, log ------------------------------------------------------------------------------------------------

def stored_state(server):
    """What replyd shows of its stored state: messages with their decisions, the queue, the vacation
    settings and the contacts. (The reply history has no reader: the test checks it by its effect.)"""
    return (log_entries(server), decisions(server), queue_items(server), server.run_cli("vacation", "list").stdout,
            cli_lines(server, "contacts", "list", "alice@example.test"), cli_lines(server, "contacts", "list", "*"))


def test_simulate_stores_nothing(server):
    set_vacation(server, "alice@example.test", "Back on Monday, {{sender_address}}.\n")
    done = deliver(server, make_message(), sender="done@client.test")
    assert_replied(server, done, "alice@example.test")
    before = stored_state(server)

    out = server.run_cli("simulate", "--from", "x@client.test", "--to", "alice@example.test",
                         "--subject", "Pytanie").stdout
    assert "WOULD REPLY" in out, out
    assert "Auto-Submitted: auto-replied" in out
    assert "Subject: Auto: Pytanie" in out
    assert "To: <x@client.test>" in out or "To: x@client.test" in out
    assert "Back on Monday, x@client.test." in out

    bulk = server.run_cli("simulate", "--from", "x@client.test", "--to", "alice@example.test",
                          "--header", "Precedence: bulk", check=False).stdout
    assert "NOT ANSWERED: precedence-bulk" in bulk and "WOULD REPLY" not in bulk, bulk
    repeat = server.run_cli("simulate", "--from", "done@client.test", "--to", "alice@example.test",
                            check=False).stdout
    assert "NOT ANSWERED: already-replied-within-period" in repeat, repeat
    nobody = server.run_cli("simulate", "--from", "x@client.test", "--to", "nobody@example.test",
                            check=False).stdout
    assert "NOT ANSWERED: no-vacation" in nobody, nobody

    assert stored_state(server) == before
    # The dry run recorded no history: the real message still gets its reply.
    real = deliver(server, make_message(), sender="x@client.test")
    assert_replied(server, real, "alice@example.test")


def test_log_shows_decisions(server):
    set_vacation(server, "alice@example.test")
    replied = deliver(server, make_message(subject="answered"), sender="jan@client.test")
    bulk = deliver(server, make_message(subject="newsletter", extra_headers=["Precedence: bulk"]),
                   sender="news@client.test")
    both = deliver(server, make_message(subject="two", to="alice@example.test, bob@example.test"),
                   sender="ewa@client.test", rcpts=["alice@example.test", "bob@example.test"])
    entries = {entry["id"]: entry for entry in map(json.loads, server.run_cli("log", "--json").stdout.splitlines())}
    assert entries[replied]["decisions"] == ["replied"]
    assert entries[bulk]["decisions"] == ["precedence-bulk"]
    assert sorted(entries[both]["decisions"]) == ["no-vacation", "replied"]

    lines = server.run_cli("log").stdout.splitlines()
    assert "DECISION" in lines[0].split(), lines[0]
    column = lines[0].index("DECISION")  # the table is aligned: each value starts under its heading
    by_id = {int(line.split()[0]): line[column:].split()[0] for line in lines[1:] if line.strip()}
    assert by_id[replied] == "replied", lines
    assert by_id[bulk] == "precedence-bulk", lines
