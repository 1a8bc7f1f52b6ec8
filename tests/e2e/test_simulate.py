"""`replyd simulate` runs the server's own pipeline in a transaction that is rolled back: for a
vacation mailbox, a mail-list address, an SMS keyword and a notification, its verdict is the one
the real message then gets (through SMTP, the SMS webhook and `replyd notify`), and it stores nothing."""
import hashlib
import hmac
import json
import re
import urllib.request

import pytest

from conftest import config_with, deliver, make_message, set_vacation

SECRET = "s3cret-webhook"
SHOP = "+48500100200"
CLUB = "+48500100300"


@pytest.fixture
def server(make_server):
    config = config_with(sms={"webhook_secret": SECRET, "default_country_code": "48"},
                         notifications={"sms_from": SHOP, "email_from": "Sklep <sklep@example.test>", "quiet_hours": "",
                                        "min_gap": "0s"})
    server = make_server(config)
    set_vacation(server, "alice@example.test", "Back on Monday.\n")
    server.run_cli("mail-list", "set", "news@example.test", "--name", "News", "--welcome", "Welcome", "--farewell", "Bye",
                   "--help", "Write START or STOP.")
    server.run_cli("sms", "list-set", CLUB, "--name", "club", "--welcome", "Hi", "--farewell", "Bye", "--help", "Help")
    return server


def simulated(server, *args):
    """(answered, reason) from the first line of `replyd simulate ...`, and the whole output."""
    out = server.run_cli("simulate", *args).stdout
    first = out.splitlines()[0]
    if "DUPLICATE" in first:
        return (False, "duplicate"), out
    match = re.search(r": (WOULD REPLY|WOULD SEND|NOT ANSWERED: (.*))$", first)
    assert match, out
    return (match.group(2) is None, match.group(2)), out


def explained(server, message_id):
    first = [line for line in server.run_cli("explain", str(message_id)).stdout.splitlines() if line.startswith("to ")][0]
    return ("REPLIED" in first, None if "REPLIED" in first else first.split("NOT ANSWERED: ", 1)[1])


def mail(server, sender, to, subject):
    return explained(server, deliver(server, make_message(subject=subject, sender=sender, to=to), sender=sender, rcpts=(to,)))


def sms(server, sender, text, message_id, to=CLUB):
    body = json.dumps({"from": sender, "to": to, "text": text, "id": message_id}).encode()
    mac = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(f"http://127.0.0.1:{server.http_port}/sms/inbound", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "X-Signature": mac})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    return (answer["replied"], answer["reason"]), answer["intent"]


def notify(server, order):
    result = server.run_cli("notify", order, "shipped", "--name", "Ola", "--phone", "600100200", check=False)
    if result.returncode == 1 and "already notified" in result.stderr:
        return (False, "duplicate")
    match = re.search(r"order \S+ shipped: (scheduled|held)(?: \((.*)\))?", result.stdout)
    assert match, result.stdout + result.stderr
    return (match.group(1) == "scheduled", match.group(2))


def log_lines(server):
    return server.run_cli("log", "--json", "--limit", "1000").stdout.splitlines()


def test_vacation_mailbox_dry_run_matches_the_real_reply(server):
    for expected in [(True, None), (False, "already-replied-within-period")]:
        verdict, out = simulated(server, "--from", "ewa@client.test", "--to", "alice@example.test", "--subject", "Faktura")
        assert verdict == expected, out
        assert mail(server, "ewa@client.test", "alice@example.test", "Faktura") == verdict
    assert "Subject: Auto: Faktura" in simulated(server, "--from", "ola@client.test", "--to", "alice@example.test",
                                                 "--subject", "Faktura")[1]


def test_mail_list_address_dry_run_matches_the_list_answer(server):
    help_verdict, out = simulated(server, "--from", "ewa@client.test", "--to", "news@example.test", "--subject", "HELP")
    assert help_verdict == (True, None) and "list: news@example.test" in out and "intent: help" in out, out
    assert "Write START or STOP." in out
    assert mail(server, "ewa@client.test", "news@example.test", "HELP") == help_verdict
    # One help text per sender and day: the dry run sees the real one's history key.
    again, _ = simulated(server, "--from", "ewa@client.test", "--to", "news@example.test", "--subject", "HELP")
    assert again == (False, "list: help-already-sent-today")
    assert mail(server, "ewa@client.test", "news@example.test", "HELP") == again
    chat, _ = simulated(server, "--from", "ewa@client.test", "--to", "news@example.test", "--subject", "hello")
    assert chat == (False, "list: not-a-keyword")
    assert mail(server, "ewa@client.test", "news@example.test", "hello") == chat


def test_sms_keyword_dry_run_matches_the_webhook(server):
    for index, expected in enumerate([(True, None), (False, "already-opted-out")]):
        verdict, out = simulated(server, "sms", "--from", "600700800", "--to", CLUB, "--text", "STOP")
        assert verdict == expected and "intent: opt-out" in out, out
        real, intent = sms(server, "+48600700800", "STOP", f"m{index}")
        assert real == verdict and intent == "opt-out"
    assert "would opt out" not in simulated(server, "sms", "--from", "600700800", "--to", CLUB, "--text", "STOP")[1]


def test_notification_dry_run_matches_the_real_one(server):
    for expected in [(True, None), (False, "duplicate")]:
        verdict, out = simulated(server, "notify", "A-1", "shipped", "--name", "Ola", "--phone", "600100200")
        assert verdict == expected, out
        assert notify(server, "A-1") == verdict
    # A STOP to the shop's number: the SMS-only customer's next notification is held, in both.
    assert sms(server, "+48600100200", "STOP", "s1", to=SHOP)[0] == (False, "no-list")
    held, out = simulated(server, "notify", "A-2", "shipped", "--name", "Ola", "--phone", "600100200")
    assert held[0] is False and held[1].startswith("sms-opted-out"), out
    assert notify(server, "A-2") == held


def test_dry_runs_store_nothing(server):
    before = log_lines(server)
    queue_before = server.run_cli("queue", "--json", "--all").stdout
    simulated(server, "--from", "ewa@client.test", "--to", "alice@example.test")
    simulated(server, "--from", "ewa@client.test", "--to", "news@example.test", "--subject", "START")
    simulated(server, "sms", "--from", "600700800", "--to", CLUB, "--text", "START")
    simulated(server, "notify", "B-1", "shipped", "--name", "Ola", "--phone", "600100200")
    assert log_lines(server) == before
    assert server.run_cli("queue", "--json", "--all").stdout == queue_before
    assert "no notifications for order B-1" in server.run_cli("notify", "show", "B-1").stdout
    assert "0 subscribed" in server.run_cli("mail-list", "show").stdout
    # The real START then asks for a confirmation: the dry run took no pending-confirmation slot.
    assert mail(server, "ewa@client.test", "news@example.test", "START") == (True, None)
