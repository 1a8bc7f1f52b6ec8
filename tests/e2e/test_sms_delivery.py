"""Outbound SMS end to end: a webhook comes in over real HTTP, the reply leaves through the durable
queue over HTTPS to a local server playing the provider (Twilio, mProfi, generic JSON), verified
against a test CA. Retries on 5xx, failure on 4xx, opt-out checked again at send time, restarts."""
import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

import pytest

from conftest import config_with, make_test_pki, queue_items
from sms_provider import SMSProvider

SECRET = "s3cret-webhook"
LIST = "+48500100200"
NUMBER = "+48600100200"


@pytest.fixture
def provider_factory(pki):
    made = []

    def factory(kind="twilio"):
        provider = SMSProvider(pki["leaf"], pki["leaf_key"], kind=kind)
        made.append(provider)
        return provider

    yield factory
    for provider in made:
        provider.close()


def sms_config(pki, provider=None, kind="twilio", **extra):
    sms = {"webhook_secret": SECRET, "default_country_code": "48"}
    if provider is not None:
        sms.update({"provider": kind, "provider_url": provider.url + ("/1.0" if kind == "mprofi" else "/send" if kind == "http" else ""),
                    "provider_ca_file": str(pki["ca"]), "provider_timeout": "5s"})
        if kind == "twilio":
            sms.update({"twilio_account_sid": "ACtest", "twilio_auth_token": "tok"})
        elif kind == "mprofi":
            sms["mprofi_api_key"] = "mprofi-key"
        else:
            sms["http_token"] = "gw-token"
    sms.update(extra)
    return config_with(sms=sms, delivery={"first_retry": "1s", "max_retry_interval": "2s", "poll_interval": "100ms"})


def add_list(server):
    server.run_cli("sms", "list-set", LIST, "--name", "promo", "--welcome", "Witaj w klubie!",
                   "--farewell", "Wypisano. Odpisz START, aby wrócić.", "--help", "Pomoc: 500 100 200",
                   "--autoreply", "Dziękujemy za wiadomość.")


def inbound(server, text, message_id, sender=NUMBER):
    body = json.dumps({"from": sender, "to": LIST, "text": text, "id": message_id}).encode()
    mac = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(f"http://127.0.0.1:{server.http_port}/sms/inbound", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "X-Signature": mac})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())


def sms_rows(server):
    """The SMS queue items, oldest first, as `replyd queue show --json` gives them (plus `text`)."""
    rows = [item for item in queue_items(server) if item["channel"] == "sms"]
    for row in rows:
        row["text"] = row["data"].decode()
    return rows


def attempts_of(row, *fields):
    return [{field: attempt.get(field) for field in fields} for attempt in row["delivery_attempts"]]


def wait_rows(server, predicate, timeout=20, what="the SMS queue"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = sms_rows(server)
        if predicate(rows):
            return rows
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}: {sms_rows(server)}")


def test_twilio_reply_goes_out_with_basic_auth_and_form_body(make_server, provider_factory, pki):
    provider = provider_factory("twilio")
    server = make_server(sms_config(pki, provider))
    add_list(server)
    assert inbound(server, "START", "t1")["replied"] is True
    request = provider.wait_for(lambda r: len(r) == 1)[0]
    assert request.path == "/2010-04-01/Accounts/ACtest/Messages.json"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"ACtest:tok").decode()
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert request.form() == {"To": NUMBER, "From": LIST, "Body": "Witaj w klubie!"}
    rows = wait_rows(server, lambda rows: rows and rows[0]["status"] == "sent")
    assert rows[0]["remote_host"] == "127.0.0.1"
    assert attempts_of(rows[0], "outcome", "reply_code", "detail") == [{"outcome": "delivered", "reply_code": 201, "detail": "accepted, provider id SM" + "0" * 31 + "1"}]
    listing = server.run_cli("queue", "list", "--all").stdout
    assert f"sent  sms to {NUMBER}" in listing


def test_mprofi_json_with_api_key(make_server, provider_factory, pki):
    provider = provider_factory("mprofi")
    server = make_server(sms_config(pki, provider, kind="mprofi"))
    add_list(server)
    inbound(server, "pomoc", "m1")
    request = provider.wait_for(lambda r: len(r) == 1)[0]
    assert request.path == "/1.0/send/"
    assert request.json() == {"apikey": "mprofi-key", "recipient": NUMBER[1:], "message": "Pomoc: 500 100 200",
                              "reference": f"replyd-{sms_rows(server)[0]['id']}"}
    wait_rows(server, lambda rows: rows[0]["status"] == "sent")


def test_generic_http_provider_with_bearer_token(make_server, provider_factory, pki):
    provider = provider_factory("http")
    server = make_server(sms_config(pki, provider, kind="http"))
    add_list(server)
    inbound(server, "Kiedy promocja?", "g1")
    request = provider.wait_for(lambda r: len(r) == 1)[0]
    assert request.path == "/send"
    assert request.headers["authorization"] == "Bearer gw-token"
    assert request.json()["text"] == "Dziękujemy za wiadomość." and request.json()["to"] == NUMBER


def test_provider_5xx_is_retried_then_sent_once(make_server, provider_factory, pki):
    provider = provider_factory("twilio")
    provider.answer(500, 503)
    server = make_server(sms_config(pki, provider))
    add_list(server)
    inbound(server, "START", "r1")
    rows = wait_rows(server, lambda rows: rows and rows[0]["status"] == "sent", timeout=30)
    assert rows[0]["attempts"] == 3
    assert len(provider.requests) == 3
    assert attempts_of(rows[0], "outcome", "reply_code") == [{"outcome": "temporary", "reply_code": 500}, {"outcome": "temporary", "reply_code": 503},
                        {"outcome": "delivered", "reply_code": 201}]


def test_provider_4xx_fails_at_once_and_is_logged(make_server, provider_factory, pki):
    provider = provider_factory("twilio")
    provider.answer(400)
    server = make_server(sms_config(pki, provider))
    add_list(server)
    inbound(server, "START", "f1")
    rows = wait_rows(server, lambda rows: rows and rows[0]["status"] == "failed")
    assert rows[0]["attempts"] == 1
    assert rows[0]["last_error"] == "400 provider code 21610: scripted 400"
    time.sleep(1.5)
    assert len(provider.requests) == 1, "a permanent failure is not retried"
    listing = server.run_cli("queue", "list").stdout
    assert "failed  sms to +48600100200" in listing and "400 provider code 21610" in listing


def test_opt_out_is_checked_again_at_send(make_server, provider_factory, pki):
    """An autoreply waiting for a retry when STOP arrives is never sent; the farewell is."""
    provider = provider_factory("twilio")
    provider.answer(503)
    server = make_server(sms_config(pki, provider))
    add_list(server)
    inbound(server, "Kiedy promocja?", "o1")
    provider.wait_for(lambda r: len(r) == 1)
    assert inbound(server, "STOP", "o2")["replied"] is True
    rows = wait_rows(server, lambda rows: len(rows) == 2 and rows[0]["status"] == "suppressed" and rows[1]["status"] == "sent",
                     timeout=30)
    assert rows[0]["last_error"].startswith("opted-out")
    time.sleep(1.5)
    bodies = [request.form()["Body"] for request in provider.requests]
    assert bodies == ["Dziękujemy za wiadomość.", "Wypisano. Odpisz START, aby wrócić."]
    assert [a["outcome"] for a in sms_rows(server)[0]["delivery_attempts"]] == ["temporary", "suppressed"]


def test_untrusted_provider_certificate_is_not_sent_to(make_server, provider_factory, pki, tmp_path):
    other = make_test_pki(tmp_path / "other", ca_name="not the provider's CA")
    provider = provider_factory("twilio")
    server = make_server(sms_config(pki, provider, provider_ca_file=str(other["ca"])))
    add_list(server)
    inbound(server, "START", "c1")
    rows = wait_rows(server, lambda rows: rows and rows[0]["attempts"] >= 1)
    assert rows[0]["status"] == "deferred" and rows[0]["last_error"]
    assert provider.requests == [], "no request may reach a server whose certificate does not verify"


def test_held_replies_go_out_after_a_restart_with_a_provider(make_server, provider_factory, pki):
    provider = provider_factory("twilio")
    server = make_server(sms_config(pki))
    add_list(server)
    inbound(server, "START", "h1")
    time.sleep(0.5)
    assert sms_rows(server)[0]["status"] == "pending"
    assert server.stop() == 0
    server.rewrite_config(sms_config(pki, provider))
    server.start()
    provider.wait_for(lambda r: len(r) == 1)
    wait_rows(server, lambda rows: rows[0]["status"] == "sent")


@pytest.mark.parametrize("kind, missing", [("twilio", "sms.twilio_account_sid"), ("mprofi", "sms.mprofi_api_key"),
                                           ("http", "sms.provider_url")])
def test_check_config_names_what_a_provider_needs(make_server, tmp_path, kind, missing):
    config = tmp_path / "bad.toml"
    config.write_text(f'[sms]\nprovider = "{kind}"\n')
    from conftest import BINARY
    import subprocess
    result = subprocess.run([str(BINARY), "check-config", "--config", str(config)], capture_output=True, text=True)
    assert result.returncode != 0
    assert f"{missing}: is required when sms.provider is \"{kind}\"" in result.stdout + result.stderr
