"""Order-status notifications over real HTTP: the API (success, validation, duplicates, auth), each
fatigue rule both ways, templates checked when saved, and one order through every default event
with SMS first and e-mail after the customer texts STOP — the local SMS provider (HTTPS, test CA)
and the SMTP sink receive exactly what is expected."""
import email
import email.policy
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from conftest import config_with, queue_item, queue_items
from helpers import api_call, metric, scrape
from sms_provider import SMSProvider
from smtp_sink import SMTPSink

TOKEN = "notify-token-0123456789abcdef"
READER = "reader-token-0123456789abcdef"
VACATION = "vacation-token-0123456789abc"
SECRET = "s3cret-webhook"
SHOP_NUMBER = "+48500100200"
TOKENS = f"""
[[api.tokens]]
name = "shop"
token = "{TOKEN}"
scopes = ["notify"]

[[api.tokens]]
name = "dashboard"
token = "{READER}"
scopes = ["read"]

[[api.tokens]]
name = "hr"
token = "{VACATION}"
scopes = ["vacation"]
"""


@pytest.fixture
def provider(pki):
    server = SMSProvider(pki["leaf"], pki["leaf_key"], kind="twilio")
    yield server
    server.close()


@pytest.fixture
def sink():
    server = SMTPSink().start()
    yield server
    server.stop()


def notify_config(pki=None, provider=None, sink=None, **notifications):
    settings = {"sms_from": SHOP_NUMBER, "email_from": "Sklep Ola <sklep@example.test>", "quiet_hours": "", "min_gap": "0s",
                "shop_name": "Sklep Ola"}
    settings.update(notifications)
    sections = {"notifications": settings, "sms": {"webhook_secret": SECRET},
                "delivery": {"poll_interval": "50ms", "first_retry": "1s"}}
    if provider is not None:
        sections["sms"].update({"provider": "twilio", "provider_url": provider.url, "provider_ca_file": str(pki["ca"]),
                                "twilio_account_sid": "ACshop", "twilio_auth_token": "tok-123"})
    if sink is not None:
        sections["delivery"].update({"mode": "relay", "relay_host": "127.0.0.1", "relay_port": sink.port, "relay_tls": "none"})
    return config_with(**sections) + TOKENS


def call(server, method, path, body=None, token=TOKEN):
    return api_call(server, method, path, body=body, token=token)[:2]


def notify(server, order, event, customer=None, data=None, **extra):
    body = {"order_id": order, "event": event,
            "customer": customer or {"name": "Ola", "phone": "600 100 200", "email": "Ola@Klient.test"},
            "data": data or {"order_number": order, "tracking_url": f"https://track.example/{order}", "expected_delivery": "jutro",
                             "carrier": "InPost"}}
    body.update(extra)
    return call(server, "POST", "/api/v1/notifications", body)


def text_stop(server, number="+48600100200", text="STOP", message_id="stop-1"):
    payload = json.dumps({"from": number, "to": SHOP_NUMBER, "text": text, "id": message_id}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{server.http_port}/sms/inbound", data=payload, method="POST", headers={
        "Content-Type": "application/json", "X-Signature": "sha256=" + hmac.new(SECRET.encode(), payload, hashlib.sha256).hexdigest()})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait(predicate, what, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# --- the whole order --------------------------------------------------------------------------------------

def test_one_order_through_every_event_sms_then_email_after_stop(make_server, pki, provider, sink):
    server = make_server(notify_config(pki, provider, sink, max_per_order=6))
    order = "2026-000123"
    ids = {}
    for event in ["confirmed", "shipped"]:
        status, body = notify(server, order, event)
        assert status == 202 and body["status"] == "scheduled" and [d["channel"] for d in body["deliveries"]] == ["sms"], body
        ids[event] = body["id"]
    provider.wait_for(lambda requests: len(requests) == 2, what="two SMS at the provider")
    # The customer texts STOP to the shop's number (which has no SMS list): recorded all the same.
    assert text_stop(server)["intent"] == "opt-out"
    for event in ["out_for_delivery", "delivered", "delayed", "cancelled"]:
        status, body = notify(server, order, event)
        assert status == 202 and [d["channel"] for d in body["deliveries"]] == ["email"], body
        assert body["notes"] == ["sms-opted-out: e-mail instead"]
        ids[event] = body["id"]
    sink.wait_for(lambda s: len(s.messages) == 4, 20, "four e-mails at the sink")
    time.sleep(0.5)

    sms = [request.form() for request in provider.requests]
    assert len(sms) == 2 and all(m["To"] == "+48600100200" and m["From"] == SHOP_NUMBER for m in sms)
    assert sms[0]["Body"] == f"Ola, dziękujemy! Zamówienie {order} przyjęte do realizacji. Przewidywana dostawa: jutro."
    assert sms[1]["Body"] == (f"Ola, zamówienie {order} zostało wysłane (InPost). Dostawa: jutro. "
                              f"Śledź: https://track.example/{order}")
    mails = [email.message_from_bytes(m.data, policy=email.policy.default) for m in sink.messages]
    # Delivered concurrently: the order at the sink is not the order of the events.
    assert sorted(m["Subject"] for m in mails) == sorted([f"Zamówienie {order}: wydane kurierowi do doręczenia",
                                                          f"Zamówienie {order}: dostarczone", f"Zamówienie {order}: opóźnione",
                                                          f"Zamówienie {order}: anulowane"])
    assert all(m["To"].addresses[0].addr_spec == "ola@klient.test" for m in mails)
    assert all(m["From"].addresses[0].display_name == "Sklep Ola" for m in mails)
    assert all(m["Auto-Submitted"] == "auto-generated" for m in mails)
    shipped = next(m for m in mails if "wydane kurierowi" in m["Subject"])
    # multipart/alternative: the text as the template wrote it, then the same words as HTML.
    assert shipped.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in shipped.iter_parts()] == ["text/plain", "text/html"]
    body = shipped.get_body(preferencelist=("plain",)).get_content()
    assert "Dzień dobry Ola" in body and f"https://track.example/{order}" in body and "Przewoźnik: InPost" in body
    html = shipped.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="pl">' in html and "Dzień dobry Ola" in html and "Sklep Ola" in html
    assert f'<a href="https://track.example/{order}"' in html
    assert all(message.rcpt_tos == ["ola@klient.test"] for message in sink.messages)

    status, history = call(server, "GET", f"/api/v1/orders/{order}/notifications")
    assert status == 200 and [n["event"] for n in history["items"]] == list(ids)
    wait(lambda: all(d["status"] == "sent" for n in call(server, "GET", f"/api/v1/orders/{order}/notifications")[1]["items"]
                     for d in n["deliveries"]), "every delivery to be recorded as sent")
    status, one = call(server, "GET", f"/api/v1/notifications/{ids['shipped']}")
    assert status == 200 and one["deliveries"][0]["status"] == "sent" and one["deliveries"][0]["recipient"] == "+48600100200"
    assert "notification" in server.run_cli("notify", "show", order).stdout
    values = scrape(server)
    assert metric(values, "replyd_notifications_total", outcome="scheduled") == 6
    assert metric(values, "replyd_notifications_queued_total", channel="sms") == 2
    assert metric(values, "replyd_notifications_queued_total", channel="email") == 4
    assert metric(values, "replyd_notifications_sent_total", channel="sms") == 2
    assert metric(values, "replyd_notifications_sent_total", channel="email") == 4
    assert metric(values, "replyd_notifications_adjusted_total", reason="sms-opted-out") == 4


def test_duplicate_event_is_409_unless_forced(make_server):
    server = make_server(notify_config())
    status, first = notify(server, "A-1", "shipped")
    assert status == 202
    status, again = notify(server, "A-1", "shipped")
    assert status == 409 and again["id"] == first["id"] and "force" in again["error"]
    status, forced = notify(server, "A-1", "shipped", force=True)
    assert status == 202 and forced["forced"] is True
    status, history = call(server, "GET", "/api/v1/orders/A-1/notifications")
    assert status == 200 and [n["id"] for n in history["items"]] == [first["id"], forced["id"]]


def test_validation_names_each_field(make_server):
    server = make_server(notify_config())
    status, body = call(server, "POST", "/api/v1/notifications", {
        "order_id": "", "event": "teleported", "customer": {"name": "", "email": "nope", "phone": "abc",
                                                            "channel_preference": "pigeon", "time_zone": "Mars/Base", "locale": "de"}})
    assert status == 400
    assert set(body["fields"]) == {"order_id", "event", "customer.name", "customer.email", "customer.phone",
                                   "customer.channel_preference", "customer.time_zone", "customer.locale"}
    status, body = call(server, "POST", "/api/v1/notifications", {"order_id": "A", "event": "shipped", "customer": {"name": "X"}})
    assert status == 400 and body["fields"] == {"customer": "needs an email or a phone"}
    status, body = call(server, "POST", "/api/v1/notifications", {"order_id": "A", "event": "shipped", "customer": {"name": "X", "email": "x@y.test"},
                                                                 "data": {"order_number": 5}})
    assert status == 400 and "data.order_number" in body["fields"]
    # A field of the wrong JSON type is named beside the others, not instead of them.
    status, body = call(server, "POST", "/api/v1/notifications", {"order_id": "", "event": "teleported", "force": "yes",
                                                                 "customer": {"name": 7, "email": "x@y.test"}})
    assert status == 400 and body["fields"].keys() == {"order_id", "event", "force", "customer.name"}, body
    assert body["fields"]["force"] == "expected true or false" and body["fields"]["customer.name"] == "expected a string"
    # Nothing was stored: no notification at all (the first one would be 1), none for either order, nothing queued.
    assert call(server, "GET", "/api/v1/notifications/1")[0] == 404
    assert call(server, "GET", "/api/v1/orders/A/notifications")[0] == 404
    assert "no notifications for order " in server.run_cli("notify", "show", "").stdout
    assert queue_items(server) == []


def test_auth(make_server):
    server = make_server(notify_config())
    assert call(server, "POST", "/api/v1/notifications", {}, token=None)[0] == 401
    assert call(server, "POST", "/api/v1/notifications", {}, token=VACATION)[0] == 403
    assert call(server, "POST", "/api/v1/notifications", {}, token=READER)[0] == 403
    # Notifications hold customers' numbers and addresses: the general read scope does not see them.
    assert call(server, "GET", "/api/v1/notification-templates", token=READER)[0] == 403
    assert call(server, "GET", "/api/v1/orders/A-1/notifications", token=READER)[0] == 403
    assert call(server, "GET", "/api/v1/notification-templates")[0] == 200


# --- fatigue rules, each both ways ------------------------------------------------------------------------

def test_at_most_n_per_order(make_server):
    server = make_server(notify_config(max_per_order=2))
    assert notify(server, "L-1", "confirmed")[1]["status"] == "scheduled"
    assert notify(server, "L-1", "shipped")[1]["status"] == "scheduled"
    status, third = notify(server, "L-1", "delivered")
    assert status == 202 and third["status"] == "held" and third["reason"].startswith("order-limit")
    assert third["deliveries"] == []
    # Another order of the same customer is not affected.
    assert notify(server, "L-2", "confirmed")[1]["status"] == "scheduled"
    values = scrape(server)
    assert metric(values, "replyd_notifications_held_total", reason="order-limit") == 1
    assert metric(values, "replyd_notifications_total", outcome="held") == 1
    assert metric(values, "replyd_notifications_total", outcome="scheduled") == 3


def test_minimum_gap_per_customer(make_server):
    server = make_server(notify_config(min_gap="1h"))
    first = notify(server, "G-1", "confirmed")[1]
    second = notify(server, "G-2", "confirmed")[1]
    assert second["status"] == "scheduled" and second["notes"][0].startswith("min-gap")
    gap = datetime.fromisoformat(second["send_at"]) - datetime.fromisoformat(first["send_at"])
    assert timedelta(minutes=59) < gap <= timedelta(hours=1, seconds=1)
    assert second["deliveries"][0]["status"] == "pending"
    other = notify(server, "G-3", "confirmed", customer={"name": "Ewa", "phone": "+48600999888"})[1]
    # Another customer is not held back: sent at once (its own request time, whatever the machine's pace).
    assert other["notes"] == [] and datetime.fromisoformat(other["send_at"]) <= datetime.fromisoformat(other["requested_at"]) + timedelta(seconds=1)


def test_quiet_hours_queue_until_the_window_opens(make_server, pki, provider):
    now = datetime.now(timezone.utc)
    start, end = now - timedelta(hours=1), now + timedelta(hours=2)
    window = f"{start:%H:%M}-{end:%H:%M}"
    server = make_server(notify_config(pki, provider, quiet_hours=window, time_zone="UTC"))
    status, quiet = notify(server, "Q-1", "shipped")
    assert status == 202 and quiet["status"] == "scheduled" and quiet["notes"][0].startswith("quiet-hours")
    due = datetime.fromisoformat(quiet["send_at"])
    assert abs(due - end.replace(second=0, microsecond=0)) < timedelta(seconds=1)
    # A customer six hours ahead (UTC+6) is at now+6h locally, always outside this 3-hour window:
    # it goes out at once.
    awake = notify(server, "Q-2", "shipped", customer={"name": "Ken", "phone": "+48600555444", "time_zone": "Etc/GMT-6"})[1]
    assert awake["notes"] == []
    provider.wait_for(lambda r: any(x.form()["To"] == "+48600555444" for x in r), what="the awake customer's SMS")
    time.sleep(0.5)
    assert not any(x.form()["To"] == "+48600100200" for x in provider.requests), "nothing during quiet hours"
    assert [(item["status"], item["attempts"]) for item in queue_items(server) if item.get("notification") == quiet["id"]] == [("pending", 0)]


def test_explicit_sms_preference_after_stop_is_held(make_server):
    server = make_server(notify_config())
    text_stop(server)
    status, body = notify(server, "S-1", "shipped", customer={"name": "Ola", "phone": "+48600100200", "email": "ola@klient.test",
                                                               "channel_preference": "sms"})
    assert status == 202 and body["status"] == "held" and body["reason"] == "sms-opted-out"
    # START undoes it.
    text_stop(server, text="START", message_id="start-1")
    status, body = notify(server, "S-2", "shipped", customer={"name": "Ola", "phone": "+48600100200", "channel_preference": "sms"})
    assert body["status"] == "scheduled" and body["deliveries"][0]["channel"] == "sms"


def test_opt_out_after_queueing_is_checked_at_send(make_server, pki, provider):
    """Queued during quiet hours, then STOP: the SMS is never sent."""
    # Quiet hours end on a whole minute; started in a minute's last seconds, the window could open
    # before the STOP arrives and the SMS would rightly go out. Start early in a minute instead.
    if datetime.now(timezone.utc).second >= 45:
        time.sleep(61 - datetime.now(timezone.utc).second)
    now = datetime.now(timezone.utc)
    window = f"{now - timedelta(hours=1):%H:%M}-{now + timedelta(minutes=1):%H:%M}"
    server = make_server(notify_config(pki, provider, quiet_hours=window, time_zone="UTC"))
    body = notify(server, "O-1", "shipped", customer={"name": "Ola", "phone": "+48600100200"})[1]
    text_stop(server)
    outbound = body["deliveries"][0]["queue_id"]
    wait(lambda: [d["status"] for d in call(server, "GET", f"/api/v1/notifications/{body['id']}")[1]["deliveries"]
                  if d["queue_id"] == outbound] == ["suppressed"],
         "the queued SMS to be suppressed when the window opens", timeout=90)
    assert queue_item(server, outbound)["status"] == "suppressed"
    assert provider.requests == []


# --- templates ---------------------------------------------------------------------------------------------

def test_templates_are_checked_when_saved_and_used(make_server):
    server = make_server(notify_config())
    status, listing = call(server, "GET", "/api/v1/notification-templates")
    assert status == 200 and listing["total"] == 6 * 2 * 2
    sms = [t for t in listing["items"] if t["channel"] == "sms"]
    assert all(t["sms_parts"] <= 3 for t in sms)
    status, body = call(server, "PUT", "/api/v1/notification-templates/shipped/sms/pl", {"body": "Paczka " + "ą" * 250})
    assert status == 400 and "4 SMS parts" in body["fields"]["body"]
    status, body = call(server, "PUT", "/api/v1/notification-templates/shipped/email/pl", {"body": "bez tematu"})
    assert status == 400 and "subject" in body["fields"]
    status, body = call(server, "PUT", "/api/v1/notification-templates/teleported/sms/xx", {"body": "x"})
    assert status == 400 and set(body["fields"]) == {"event", "locale"}
    status, saved = call(server, "PUT", "/api/v1/notification-templates/shipped/sms/pl",
                         {"body": "{{customer_name}}: paczka {{order_number}} w drodze, {{tracking_url}}"})
    # The sample customer name ("Małgorzata") makes it UCS-2: 89 characters, 2 parts of 67.
    assert status == 200 and saved["custom"] is True and saved["sms_parts"] == 2 and saved["sms_encoding"] == "UCS-2"
    notify(server, "T-1", "shipped")
    text = [item for item in queue_items(server) if item["channel"] == "sms"][0]["data"].decode()
    assert text == "Ola: paczka T-1 w drodze, https://track.example/T-1"


def test_english_customer_and_cli(make_server):
    server = make_server(notify_config())
    result = server.run_cli("notify", "E-1", "delivered", "--name", "John", "--email", "john@client.test", "--locale", "en",
                            "--data", "order_number=E-1")
    assert "order E-1 delivered: scheduled" in result.stdout and "email to john@client.test: pending" in result.stdout
    subject = [item for item in queue_items(server) if item["channel"] == "email"][0]["subject"]
    assert subject == "Order E-1: delivered"
    again = server.run_cli("notify", "E-1", "delivered", "--name", "John", "--email", "john@client.test", check=False)
    assert again.returncode == 1 and "--force" in again.stderr
    bad = server.run_cli("notify", "E-2", "bogus", "--name", "John", check=False)
    assert bad.returncode == 1 and "event:" in bad.stderr and "customer:" in bad.stderr


def test_not_configured_is_404(make_server):
    server = make_server(config_with() + TOKENS)
    status, body = notify(server, "N-1", "shipped")
    assert status == 404 and "not configured" in body["error"]
