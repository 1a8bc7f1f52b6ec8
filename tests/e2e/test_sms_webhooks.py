"""SMS webhooks over real HTTP: signatures first, then STOP/START/HELP/autoreply with opt-out state,
idempotent retries, and the replies queued as SMS in the outbound queue."""
import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import DEFAULT_CONFIG, cli_lines, queue_items
from helpers import http_request

SECRET = "s3cret-webhook"
TOKEN = "twilio-token-123"
LIST = "+48500100200"
CONFIG = DEFAULT_CONFIG + f"""
[sms]
webhook_secret = "{SECRET}"
twilio_auth_token = "{TOKEN}"
public_url = "https://replyd.example.test"
default_country_code = "48"
"""


@pytest.fixture
def sms_server(make_server):
    server = make_server(CONFIG)
    server.run_cli("sms", "list-set", "500 100 200", "--name", "promo", "--welcome", "Witaj w klubie!",
                   "--farewell", "Wypisano. Odpisz START, aby wrócić.", "--help", "Pomoc: 500 100 200",
                   "--autoreply", "Dziękujemy za wiadomość.")
    return server


def post(server, path, body: bytes, headers):
    return http_request(server, "POST", path, raw=body, headers=headers)[:2]


def inbound(server, sender, text, message_id, secret=SECRET, signature=None):
    body = json.dumps({"from": sender, "to": LIST, "text": text, "id": message_id}).encode()
    mac = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    status, raw = post(server, "/sms/inbound", body, {"Content-Type": "application/json",
                                                       "X-Signature": signature if signature is not None else mac})
    return status, json.loads(raw)


def sms_outbound(server):
    """The queued SMS replies, oldest first, as `replyd queue show --json` gives them (plus `text`)."""
    rows = [item for item in queue_items(server) if item["channel"] == "sms"]
    for row in rows:
        row["text"] = row["data"].decode()
    return rows


def sms_log(server):
    """Every inbound SMS as `replyd sms log --json` lists it, oldest first."""
    return list(reversed(cli_lines(server, "sms", "log", "--limit", "1000000")))


def subscriptions(server, number):
    """(list, status) of the number on each SMS list, as `replyd sms subscriber NUMBER --json` gives them."""
    return sorted((row["list"], row["status"]) for row in cli_lines(server, "sms", "subscriber", number))


def test_stop_sends_one_farewell_and_silences_everything_but_start(sms_server):
    number = "+48600100200"
    assert inbound(sms_server, "600 100 200", "Kiedy promocja?", "m1")[1]["replied"] is True
    status, stop = inbound(sms_server, number, " stop ", "m2")
    assert status == 200 and stop["intent"] == "opt-out" and stop["replied"] is True
    again = inbound(sms_server, number, "STOP", "m3")[1]
    assert again["replied"] is False and again["reason"] == "already-opted-out"
    for n, text in enumerate(["HELP", "Halo?"]):
        result = inbound(sms_server, number, text, f"m4{n}")[1]
        assert result["replied"] is False and result["reason"] == "opted-out"
    start = inbound(sms_server, number, "Start", "m5")[1]
    assert start["intent"] == "opt-in" and start["replied"] is True
    assert [row["text"] for row in sms_outbound(sms_server)] == [
        "Dziękujemy za wiadomość.", "Wypisano. Odpisz START, aby wrócić.", "Witaj w klubie!"]
    assert all(row["recipient"] == number and row["envelope_sender"] == LIST for row in sms_outbound(sms_server))
    assert subscriptions(sms_server, number) == [(LIST, "in")]


def test_polish_keywords_and_help(sms_server):
    assert inbound(sms_server, "+48600000001", "NIE", "p1")[1]["intent"] == "opt-out"
    assert inbound(sms_server, "+48600000002", "pomoc", "p2")[1]["intent"] == "help"
    assert sms_outbound(sms_server)[-1]["text"] == "Pomoc: 500 100 200"


def test_autoreply_once_per_period(sms_server):
    assert inbound(sms_server, "+48600000003", "Pytanie 1", "a1")[1]["replied"] is True
    second = inbound(sms_server, "+48600000003", "Pytanie 2", "a2")[1]
    assert second["replied"] is False and second["reason"] == "already-replied-within-period"


def test_retried_webhook_is_acknowledged_not_answered_twice(sms_server):
    first = inbound(sms_server, "+48600000004", "STOP", "dup-1")[1]
    retry = inbound(sms_server, "+48600000004", "STOP", "dup-1")[1]
    assert retry["duplicate"] is True and retry["id"] == first["id"]
    assert len(sms_outbound(sms_server)) == 1
    assert [row["id"] for row in sms_log(sms_server)] == [first["id"]]


@pytest.mark.parametrize("signature, expected", [("", 403), ("sha256=" + "0" * 64, 403), (None, 403)])
def test_bad_signatures_store_nothing(sms_server, signature, expected):
    if signature is None:
        status, _ = inbound(sms_server, "+48600000005", "STOP", "bad", secret="wrong-secret")
    else:
        status, _ = inbound(sms_server, "+48600000005", "STOP", "bad", signature=signature)
    assert status == expected
    assert sms_log(sms_server) == []


def test_missing_signature_is_401_and_malformed_body_400(sms_server):
    status, _ = post(sms_server, "/sms/inbound", b"{}", {"Content-Type": "application/json"})
    assert status == 401
    body = json.dumps({"from": "not a number", "text": "x"}).encode()
    mac = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    status, raw = post(sms_server, "/sms/inbound", body, {"X-Signature": mac})
    assert status == 400
    fields = json.loads(raw)["fields"]
    assert set(fields) == {"from", "to", "id"}
    assert sms_log(sms_server) == []


def test_body_over_the_limit_is_refused(sms_server):
    body = b"x" * (64 * 1024 + 1)
    mac = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    status, _ = post(sms_server, "/sms/inbound", body, {"X-Signature": mac})
    assert status == 413


def twilio_signature(url, params, token=TOKEN):
    material = url + "".join(name + value for name, value in sorted(params.items()))
    return base64.b64encode(hmac.new(token.encode(), material.encode(), hashlib.sha1).digest()).decode()


def test_twilio_webhook_with_its_signature(sms_server):
    params = {"MessageSid": "SM123", "From": "+48600000006", "To": LIST, "Body": "STOP", "AccountSid": "AC1",
              "NumMedia": "0"}
    body = urllib.parse.urlencode(params).encode()
    url = "https://replyd.example.test/sms/twilio"
    status, raw = post(sms_server, "/sms/twilio", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                         "X-Twilio-Signature": twilio_signature(url, params)})
    assert status == 200 and b"<Response/>" in raw
    assert [(row["sender"], row["intent"]) for row in sms_log(sms_server)] == [("+48600000006", "opt-out")]
    # Signed for another URL, or with another token: refused, nothing stored.
    params["MessageSid"] = "SM124"
    body = urllib.parse.urlencode(params).encode()
    for signature in [twilio_signature("https://evil.test/sms/twilio", params), twilio_signature(url, params, "other")]:
        status, _ = post(sms_server, "/sms/twilio", body, {"X-Twilio-Signature": signature})
        assert status == 403
    assert len(sms_log(sms_server)) == 1


def test_unconfigured_webhooks_are_404(make_server):
    server = make_server()
    status, _ = post(server, "/sms/inbound", b"{}", {"X-Signature": "sha256=00"})
    assert status == 404


def test_lists_sharing_a_number_by_prefix(sms_server):
    """PIZZA picks its list; the prefix alone joins; a bare STOP leaves every list at the number."""
    sms_server.run_cli("sms", "list-set", LIST, "--prefix", "pizza", "--name", "pizza", "--welcome", "Pizza: witaj!",
                       "--farewell", "Pizza: wypisano.", "--help", "Pizza: pomoc", "--autoreply", "Pizza: dzięki!")
    assert "+48500100200 PIZZA  pizza" in sms_server.run_cli("sms", "lists").stdout
    number = "+48600000010"
    assert inbound(sms_server, number, "Pizza", "z1")[1]["intent"] == "opt-in"
    assert inbound(sms_server, number, "PIZZA help", "z2")[1]["intent"] == "help"
    assert inbound(sms_server, number, "pizza stop", "z3")[1]["intent"] == "opt-out"
    assert inbound(sms_server, number, "Hej", "z4")[1]["replied"] is True  # the number's own list still answers
    assert inbound(sms_server, number, "STOP", "z5")[1]["replied"] is True
    assert [row["text"] for row in sms_outbound(sms_server)] == [
        "Pizza: witaj!", "Pizza: pomoc", "Pizza: wypisano.", "Dziękujemy za wiadomość.", "Wypisano. Odpisz START, aby wrócić."]
    assert subscriptions(sms_server, number) == [(LIST, "out"), (LIST + " PIZZA", "out")]
    assert [row["list"] for row in sms_log(sms_server)] == [
        LIST + " PIZZA"] * 3 + [LIST] * 2


def test_keyword_words_are_configurable_per_list(make_server):
    server = make_server(CONFIG)
    server.run_cli("sms", "list-set", LIST, "--name", "fr", "--welcome", "Bienvenue", "--farewell", "Au revoir",
                   "--help", "Aide", "--opt-out-words", "ARRET, stop", "--opt-in-words", "GO", "--help-words", "AIDE")
    assert inbound(server, "+48600000011", "arrêt", "k1")[1]["intent"] == "opt-out"
    assert inbound(server, "+48600000011", "START", "k2")[1]["intent"] == "message"
    assert inbound(server, "+48600000011", "go", "k3")[1]["intent"] == "opt-in"
    bad = server.run_cli("sms", "list-set", LIST, "--name", "x", "--welcome", "w", "--farewell", "f", "--help", "h",
                         "--prefix", "STOP", check=False)
    assert bad.returncode != 0 and "is a keyword itself" in bad.stderr
