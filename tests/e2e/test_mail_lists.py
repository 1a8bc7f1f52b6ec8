"""E-mail lists over real SMTP (smtplib): a keyword in the subject or the first line subscribes
(after a confirmation: double opt-in), unsubscribes or asks for help; the answer is queued as an
automatic reply from the list address; automatic mail changes nothing."""
from email.message import EmailMessage

import pytest

from conftest import config_with, deliver, make_message, only_decision, only_reply, outbound_rows, reply_body

LIST = "news@example.test"


@pytest.fixture
def list_server(make_server):
    server = make_server()
    result = server.run_cli("mail-list", "set", "News@Example.test", "--name", "Nowości", "--welcome", "Witaj na liście!",
                            "--farewell", "Wypisano. Napisz START, aby wrócić.", "--help", "Napisz START albo STOP.")
    assert "mail list Nowości set at news@example.test" in result.stdout
    return server


def send(server, subject, body="\r\n", sender="ewa@client.test", extra_headers=()):
    message = make_message(subject=subject, body=body, sender=f"Ewa <{sender}>", to=LIST, extra_headers=extra_headers)
    return deliver(server, message, sender=sender, rcpts=(LIST,))


def confirm(server, message_id, sender="ewa@client.test"):
    """Answers the confirmation request queued for message_id the way a mail client would: a reply
    to its From address. Returns the id of the answer."""
    _, request = only_reply(server, message_id)
    confirm_address = request["From"].addresses[0].addr_spec
    answer = make_message(subject="Re: " + str(request["Subject"]), body="\r\n", sender=f"Ewa <{sender}>", to=confirm_address)
    return deliver(server, answer, sender=sender, rcpts=(confirm_address,))


def subscribe(server, sender="ewa@client.test"):
    return confirm(server, send(server, "START", sender=sender), sender=sender)


def subscription(server, address="ewa@client.test"):
    """"in", "out" or None (never subscribed), as `replyd mail-list show LIST` lists the address."""
    found = [line.split()[1] for line in server.run_cli("mail-list", "show", LIST).stdout.splitlines()
             if line.split() and line.split()[0] == address]
    assert len(found) <= 1, found
    return {"subscribed": "in", "unsubscribed": "out"}[found[0]] if found else None


def test_start_asks_for_confirmation_and_the_answer_subscribes_with_a_welcome(list_server):
    request_id = send(list_server, "START")
    row, request = only_reply(list_server, request_id)
    # Anyone can forge a sender: START only asks the address whether it wants to subscribe.
    assert row["recipient"] == "ewa@client.test"
    confirm_address = request["From"].addresses[0].addr_spec
    assert confirm_address.startswith("news+confirm-") and confirm_address.endswith("@example.test")
    assert "confirm-" in str(request["Subject"])
    assert "ewa@client.test" in reply_body(request) and "reply" in reply_body(request)
    assert subscription(list_server) is None
    # A second START while one is pending sends nothing more.
    pending = send(list_server, "START")
    assert outbound_rows(list_server, pending) == []
    assert "confirmation-already-pending" in only_decision(list_server, pending)["reason"]
    # A wrong token subscribes nobody.
    wrong = deliver(list_server, make_message(subject="Re: x", sender="Ewa <ewa@client.test>", to=LIST),
                    sender="ewa@client.test", rcpts=("news+confirm-0000000000000000@example.test",))
    assert outbound_rows(list_server, wrong) == [] and subscription(list_server) is None
    assert "confirmation-unknown-or-expired" in only_decision(list_server, wrong)["reason"]
    message_id = confirm(list_server, request_id)
    row, reply = only_reply(list_server, message_id)
    assert row["recipient"] == "ewa@client.test" and row["envelope_sender"] == "" and row["kind"] == "mail-list" and row["intent"] == "opt-in"
    assert row["list"] == LIST and only_decision(list_server, message_id)["mailbox"] == LIST
    assert reply["From"].addresses[0].addr_spec == LIST and reply["From"].addresses[0].display_name == "Nowości"
    assert reply["Subject"].startswith("Re: Confirm")
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] is not None
    assert reply_body(reply) == "Witaj na liście!\n"
    assert subscription(list_server) == "in"
    assert only_decision(list_server, message_id)["replied"] is True
    assert "1 subscribed, 0 unsubscribed" in list_server.run_cli("mail-list", "show").stdout
    # No second welcome to an address already subscribed (a forged sender could be flooded).
    again = send(list_server, "START")
    assert outbound_rows(list_server, again) == []
    assert "already-subscribed" in only_decision(list_server, again)["reason"]


def test_stop_as_the_first_line_of_a_multipart_mail(list_server):
    subscribe(list_server)
    message = EmailMessage()
    message["From"] = "Ewa <ewa@client.test>"
    message["To"] = LIST
    message["Subject"] = "Re: Witaj na liście!"
    message.set_content("stop\n\n> Witaj na liście!\n")
    message.add_alternative("<div>stop</div>", subtype="html")
    message_id = deliver(list_server, message.as_bytes().replace(b"\n", b"\r\n"), sender="ewa@client.test", rcpts=(LIST,))
    _, reply = only_reply(list_server, message_id)
    assert reply_body(reply) == "Wypisano. Napisz START, aby wrócić.\n"
    assert subscription(list_server) == "out"
    # A second STOP, or anything else, is not answered; START is.
    again = send(list_server, "STOP")
    assert outbound_rows(list_server, again) == []
    assert "already-opted-out" in only_decision(list_server, again)["reason"]
    assert outbound_rows(list_server, send(list_server, "HELP")) == []
    # START after STOP asks again; only the answer subscribes.
    request = send(list_server, "tak")
    assert len(outbound_rows(list_server, request)) == 1
    assert subscription(list_server) == "out"
    confirm(list_server, request)
    assert subscription(list_server) == "in"
    assert "ewa@client.test  subscribed" in list_server.run_cli("mail-list", "show", LIST).stdout


def test_help_and_plain_mail(list_server):
    _, reply = only_reply(list_server, send(list_server, "Pytanie", body="POMOC\r\n"))
    assert reply_body(reply) == "Napisz START albo STOP.\n"
    # A second HELP the same day is not answered (a forged sender cannot be mailed over and over);
    # another address still is.
    again = send(list_server, "HELP")
    assert outbound_rows(list_server, again) == []
    assert "help-already-sent-today" in only_decision(list_server, again)["reason"]
    assert len(outbound_rows(list_server, send(list_server, "HELP", sender="piotr@client.test"))) == 1
    plain = send(list_server, "Kiedy wysyłka?", body="Stop the presses, when is the next issue?\r\n")
    assert outbound_rows(list_server, plain) == []
    assert "not-a-keyword" in only_decision(list_server, plain)["reason"]


@pytest.mark.parametrize("headers, sender", [(("Auto-Submitted: auto-replied",), "ewa@client.test"),
                                             (("List-Id: <other.lists.example>",), "ewa@client.test"),
                                             (("Precedence: bulk",), "ewa@client.test"),
                                             ((), "mailer-daemon@client.test")])
def test_automatic_mail_never_unsubscribes_or_gets_an_answer(list_server, headers, sender):
    if not sender.startswith("mailer-daemon"):
        subscribe(list_server, sender=sender)
    before = subscription(list_server, sender)
    message_id = send(list_server, "STOP", sender=sender, extra_headers=headers)
    assert outbound_rows(list_server, message_id) == []
    assert "automatic" in only_decision(list_server, message_id)["reason"]
    assert subscription(list_server, sender) == before


def test_list_address_must_be_local(make_server):
    server = make_server()
    result = server.run_cli("mail-list", "set", "news@elsewhere.test", "--name", "x", "--welcome", "w", "--farewell", "f",
                            "--help", "h", check=False)
    assert result.returncode != 0 and "not a local domain" in result.stderr


def test_forged_starts_cannot_flood_the_list(make_server):
    server = make_server(config_with(mail={"list_max_pending": 3}))
    server.run_cli("mail-list", "set", LIST, "--name", "N", "--welcome", "W", "--farewell", "F", "--help", "H")
    answered = [send(server, "START", sender=f"victim{i}@client.test") for i in range(5)]
    assert [len(outbound_rows(server, i)) for i in answered] == [1, 1, 1, 0, 0]
    assert "too-many-pending-confirmations" in only_decision(server, answered[4])["reason"]
    assert "0 subscribed" in server.run_cli("mail-list", "show").stdout
    # Replies never go to senders at address literals or this host.
    for sender in ("v@[127.0.0.1]", "v@localhost"):
        message_id = send(server, "HELP", sender=sender)
        assert outbound_rows(server, message_id) == []
        assert "automatic" in only_decision(server, message_id)["reason"]
