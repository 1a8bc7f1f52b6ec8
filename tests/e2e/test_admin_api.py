"""The admin API over real HTTP: every operation's success path, token auth (401 without, 403
without the scope), validation errors naming each field, paging, and the effects the rest of
replyd sees (SMTP accepts a created mailbox, a vacation set here answers mail)."""
import json
import smtplib
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import config_with, deliver, make_message, only_reply, reply_body
from helpers import api_call

ADMIN = "admin-token-0123456789abcdef"
READER = "read-token-0123456789abcdef"
VACATION = "vacation-token-0123456789ab"

TOKENS = """
[[api.tokens]]
name = "ops"
token = "%s"
scopes = ["admin"]

[[api.tokens]]
name = "dashboard"
token = "%s"
scopes = ["read"]

[[api.tokens]]
name = "hr-system"
token = "%s"
scopes = ["vacation"]
""" % (ADMIN, READER, VACATION)


@pytest.fixture
def api_server(make_server):
    return make_server(config_with(mail={"catch_all": False, "mailboxes": ["jan@example.test"]}) + TOKENS)


def call(server, method, path, body=None, token=ADMIN, content_type="application/json", raw=None):
    return api_call(server, method, path, body=body, token=token, content_type=content_type, raw=raw)


def quote(address):
    return urllib.parse.quote(address, safe="@")


VACATION_BODY = {"start": "2020-01-01", "end": "2099-12-31T18:00", "timezone": "Europe/Warsaw", "locale": "pl",
                 "subject": "Urlop: {{original_subject}}", "message": "Jestem na urlopie do {{end}}.\nPilne: {{deputy_name}}.",
                 "deputy_name": "Ewa", "deputy_address": "ewa@example.test", "contacts_only": False, "same_domain": False,
                 "days": 3, "owner_name": "Jan Kowalski"}


# --- auth -------------------------------------------------------------------------------------------

def test_no_token_unknown_token_and_wrong_scheme_are_401(api_server):
    for token, scheme in [(None, None), ("not-a-real-token-at-all", "Bearer"), (ADMIN, "Basic")]:
        headers = {} if token is None else {"Authorization": f"{scheme} {token}"}
        request = urllib.request.Request(f"http://127.0.0.1:{api_server.http_port}/api/v1/mailboxes", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=10)
        assert error.value.code == 401
        assert error.value.headers["WWW-Authenticate"].startswith("Bearer")
        assert "error" in json.loads(error.value.read())


def test_scopes_are_enforced(api_server):
    # read: every GET, no change.
    assert call(api_server, "GET", "/api/v1/mailboxes", token=READER)[0] == 200
    status, body, _ = call(api_server, "POST", "/api/v1/mailboxes", {"address": "x@example.test"}, token=READER)
    assert status == 403 and "lacks the scope" in body["error"]
    # vacation: its own area only.
    assert call(api_server, "PUT", "/api/v1/mailboxes/jan@example.test/vacation", VACATION_BODY, token=VACATION)[0] == 201
    assert call(api_server, "GET", "/api/v1/queue", token=VACATION)[0] == 403
    assert call(api_server, "DELETE", "/api/v1/mailboxes/jan@example.test", token=VACATION)[0] == 403
    # The OpenAPI document needs no token.
    assert call(api_server, "GET", "/api/v1/openapi.json", token=None)[0] == 200


def test_api_without_tokens_refuses_everything(make_server):
    server = make_server()
    assert call(server, "GET", "/api/v1/status")[0] == 401


# --- mailboxes ----------------------------------------------------------------------------------------

def test_mailbox_lifecycle_and_smtp_acceptance(api_server):
    # catch_all is off: an unknown user is refused until the mailbox exists.
    with smtplib.SMTP("127.0.0.1", api_server.smtp_port, timeout=10) as client:
        client.ehlo("client.test")
        client.mail("ann@client.test")
        assert client.rcpt("marta@example.test")[0] == 550
    status, created, _ = call(api_server, "POST", "/api/v1/mailboxes",
                              {"address": "Marta@Example.test", "name": "Marta Nowak", "aliases": ["m.nowak@example.test"]})
    assert status == 201 and created["address"] == "marta@example.test" and created["aliases"] == ["m.nowak@example.test"]
    for address in ["marta@example.test", "m.nowak@example.test", "marta+news@example.test"]:
        with smtplib.SMTP("127.0.0.1", api_server.smtp_port, timeout=10) as client:
            client.ehlo("client.test")
            client.mail("ann@client.test")
            assert client.rcpt(address)[0] == 250, address
    assert call(api_server, "POST", "/api/v1/mailboxes", {"address": "marta@example.test"})[0] == 409
    status, listing, _ = call(api_server, "GET", "/api/v1/mailboxes")
    assert status == 200 and [m["address"] for m in listing["items"]] == ["jan@example.test", "marta@example.test"]
    assert listing["items"][0]["configured"] is True
    status, one, _ = call(api_server, "GET", "/api/v1/mailboxes/marta@example.test")
    assert status == 200 and one["name"] == "Marta Nowak"
    status, updated, _ = call(api_server, "PUT", "/api/v1/mailboxes/marta@example.test/aliases", {"aliases": ["mn@example.test"]})
    assert status == 200 and updated["aliases"] == ["mn@example.test"]
    assert call(api_server, "DELETE", "/api/v1/mailboxes/marta@example.test")[0] == 204
    assert call(api_server, "GET", "/api/v1/mailboxes/marta@example.test")[0] == 404
    assert call(api_server, "DELETE", "/api/v1/mailboxes/jan@example.test")[0] == 409  # from the configuration
    with smtplib.SMTP("127.0.0.1", api_server.smtp_port, timeout=10) as client:
        client.ehlo("client.test")
        client.mail("ann@client.test")
        assert client.rcpt("marta@example.test")[0] == 550


def test_mailbox_validation_names_each_field(api_server):
    status, body, _ = call(api_server, "POST", "/api/v1/mailboxes",
                           {"address": "x@elsewhere.test", "aliases": ["ok@example.test", "not an address"]})
    assert status == 400 and set(body["fields"]) == {"address", "aliases[1]"}
    status, body, _ = call(api_server, "POST", "/api/v1/mailboxes", {"name": "no address"})
    assert status == 400 and body["fields"] == {"address": "required"}
    status, body, _ = call(api_server, "POST", "/api/v1/mailboxes", {"address": 5})
    assert status == 400 and "address" in body["fields"]
    status, body, _ = call(api_server, "POST", "/api/v1/mailboxes", raw=b"{not json")
    assert status == 400 and body["error"] == "the body is not valid JSON"
    status, body, _ = call(api_server, "GET", "/api/v1/mailboxes?limit=0&offset=-1")
    assert status == 400 and set(body["fields"]) == {"limit", "offset"}


def test_paging_of_mailboxes_and_away_filter(api_server):
    for n in range(7):
        assert call(api_server, "POST", "/api/v1/mailboxes", {"address": f"user{n}@example.test"})[0] == 201
    seen = []
    for offset in range(0, 8, 3):
        status, page, _ = call(api_server, "GET", f"/api/v1/mailboxes?limit=3&offset={offset}")
        assert status == 200 and page["total"] == 8 and page["limit"] == 3 and page["offset"] == offset
        seen += [m["address"] for m in page["items"]]
    assert len(seen) == 8 and len(set(seen)) == 8
    call(api_server, "PUT", "/api/v1/mailboxes/user3@example.test/vacation", VACATION_BODY)
    status, away, _ = call(api_server, "GET", "/api/v1/mailboxes?away=true")
    assert [m["address"] for m in away["items"]] == ["user3@example.test"] and away["items"][0]["vacation"]["active"] is True


def test_request_body_limit(make_server):
    server = make_server(config_with(api={"max_body": "2K"}) + TOKENS)
    status, body, _ = call(server, "POST", "/api/v1/mailboxes", raw=b"{" + b" " * 4096 + b"}")
    assert status == 413 and "api.max_body" in body["error"]


# --- vacation -------------------------------------------------------------------------------------------

def test_vacation_set_read_preview_answer_and_clear(api_server):
    path = "/api/v1/mailboxes/jan@example.test/vacation"
    assert call(api_server, "GET", path)[0] == 404
    status, body, _ = call(api_server, "PUT", path, VACATION_BODY)
    assert status == 201 and body["active"] is True and body["settings"]["days"] == 3
    assert body["settings"]["start"].startswith("2020-01-01T00:00:00")
    status, body, _ = call(api_server, "PUT", path, dict(VACATION_BODY, days=4))
    assert status == 200
    status, body, _ = call(api_server, "GET", path)
    assert status == 200 and body["settings"]["days"] == 4 and body["settings"]["deputy_name"] == "Ewa"
    status, preview, _ = call(api_server, "POST", path + "/preview",
                              {"settings": VACATION_BODY, "from": "anna@client.test", "from_name": "Anna", "subject": "Faktura"},
                              token=READER)
    assert status == 200 and preview["recipient"] == "anna@client.test" and preview["subject"] == "Urlop: Faktura"
    assert "Jestem na urlopie do" in preview["body"] and "Pilne: Ewa." in preview["body"]
    assert "Auto-Submitted: auto-replied" in preview["raw"]
    # The same reply goes out for real mail.
    message_id = deliver(api_server, make_message(subject="Faktura", sender="Anna <anna@client.test>", to="jan@example.test"),
                         sender="anna@client.test", rcpts=("jan@example.test",))
    _, reply = only_reply(api_server, message_id)
    assert reply["Subject"] == "Urlop: Faktura" and reply_body(reply) == preview["body"]
    assert call(api_server, "DELETE", path)[0] == 204
    assert call(api_server, "DELETE", path)[0] == 404


def test_vacation_validation_names_each_field(api_server):
    bad = dict(VACATION_BODY, start="2026-13-01", end="tomorrow", days=0, locale="xx", timezone="Mars/Base",
               message="", deputy_address="nope")
    status, body, _ = call(api_server, "PUT", "/api/v1/mailboxes/jan@example.test/vacation", bad)
    assert status == 400
    assert set(body["fields"]) == {"start", "end", "days", "locale", "timezone", "message", "deputy_address"}
    status, body, _ = call(api_server, "PUT", "/api/v1/mailboxes/jan@other.test/vacation", VACATION_BODY)
    assert status == 400 and "address" in body["fields"]
    status, body, _ = call(api_server, "PUT", "/api/v1/mailboxes/jan@example.test/vacation",
                           dict(VACATION_BODY, subject="{{#broken}}"))
    assert status == 400 and "subject" in body["fields"]
    status, body, _ = call(api_server, "PUT", "/api/v1/mailboxes/jan@example.test/vacation", dict(VACATION_BODY, days="3"))
    assert status == 400 and body["fields"] == {"days": "expected an integer"}
    assert call(api_server, "GET", "/api/v1/mailboxes/jan@example.test/vacation")[0] == 404


# --- contacts --------------------------------------------------------------------------------------------

def test_contacts_add_import_list_page_and_delete(api_server):
    base = "/api/v1/mailboxes/jan@example.test/contacts"
    status, body, _ = call(api_server, "POST", base, {"address": "Anna@Client.test", "name": "Anna"})
    assert status == 200 and body["added"] == 1 and body["total"] == 1
    status, body, _ = call(api_server, "POST", base, [{"address": f"c{n}@client.test"} for n in range(5)])
    assert status == 200 and body["total"] == 6
    csv = "address,name\r\n+48 600 100 200,Piotr\r\nz@client.test,\r\n"
    status, body, _ = call(api_server, "POST", base, raw=csv.encode(), content_type="text/csv")
    assert status == 200 and body["total"] == 8
    status, page, _ = call(api_server, "GET", base + "?limit=3&offset=3")
    assert status == 200 and page["total"] == 8 and len(page["items"]) == 3
    status, first, _ = call(api_server, "GET", base + "?limit=2")
    assert [c["address"] for c in first["items"]] == ["+48600100200", "anna@client.test"]
    assert first["items"][1]["name"] == "Anna"
    assert call(api_server, "DELETE", base + "/anna@client.test")[0] == 204
    assert call(api_server, "DELETE", base + "/anna@client.test")[0] == 404
    assert call(api_server, "GET", base)[1]["total"] == 7
    # Organisation-wide contacts live under "*".
    assert call(api_server, "POST", "/api/v1/mailboxes/*/contacts", {"address": "boss@client.test"})[0] == 200
    assert call(api_server, "GET", "/api/v1/mailboxes/*/contacts")[1]["total"] == 1


def test_contact_import_is_all_or_nothing(api_server):
    base = "/api/v1/mailboxes/jan@example.test/contacts"
    status, body, _ = call(api_server, "POST", base, [{"address": "ok@client.test"}, {"address": "bad"}, {"address": "x@"}])
    assert status == 400 and set(body["fields"]) == {"[1].address", "[2].address"}
    status, body, _ = call(api_server, "POST", base, raw=b"address\r\nok@client.test\r\nnot-an-address\r\n", content_type="text/csv")
    assert status == 400 and set(body["fields"]) == {"line 3"}
    assert call(api_server, "GET", base)[1]["total"] == 0


# --- SMS lists --------------------------------------------------------------------------------------------

def test_sms_lists_and_subscriptions(make_server):
    server = make_server(config_with(sms={"webhook_secret": "s3cret"}) + TOKENS)
    key = urllib.parse.quote("+48500100200 PIZZA")
    body = {"name": "pizza", "welcome": "Witaj", "farewell": "Pa", "help": "Pomoc", "autoreply": "Dzięki",
            "opt_out_words": ["STOP", "NIE"], "days": 2}
    status, created, _ = call(server, "PUT", f"/api/v1/sms/lists/{key}", body)
    assert status == 201 and created["key"] == "+48500100200 PIZZA" and created["keywords"]["opt_out"] == ["NIE", "STOP"]
    assert call(server, "PUT", f"/api/v1/sms/lists/{key}", body)[0] == 200
    assert call(server, "GET", "/api/v1/sms/lists")[1]["total"] == 1
    assert call(server, "GET", f"/api/v1/sms/lists/{key}")[1]["days"] == 2
    status, bad, _ = call(server, "PUT", "/api/v1/sms/lists/" + urllib.parse.quote("+48500100200 STOP"),
                          dict(body, welcome="", days=0))
    assert status == 400 and set(bad["fields"]) == {"list", "welcome", "days"}
    # Subscriptions from real webhooks, then paged and filtered.
    import hashlib
    import hmac
    for n, text in enumerate(["PIZZA", "PIZZA", "PIZZA STOP"]):
        payload = json.dumps({"from": f"+4860000000{n}", "to": "+48500100200", "text": text, "id": f"w{n}"}).encode()
        signature = "sha256=" + hmac.new(b"s3cret", payload, hashlib.sha256).hexdigest()
        request = urllib.request.Request(f"http://127.0.0.1:{server.http_port}/sms/inbound", data=payload, method="POST",
                                         headers={"X-Signature": signature, "Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).read()
    status, page, _ = call(server, "GET", f"/api/v1/sms/lists/{key}/subscriptions?limit=2")
    assert status == 200 and page["total"] == 3 and len(page["items"]) == 2
    status, out, _ = call(server, "GET", f"/api/v1/sms/lists/{key}/subscriptions?status=out")
    assert [s["number"] for s in out["items"]] == ["+48600000002"]
    assert call(server, "DELETE", f"/api/v1/sms/lists/{key}")[0] == 204
    assert call(server, "GET", f"/api/v1/sms/lists/{key}")[0] == 404


# --- log, explain, queue, status -------------------------------------------------------------------------

def test_log_explain_queue_and_status(api_server):
    call(api_server, "PUT", "/api/v1/mailboxes/jan@example.test/vacation", VACATION_BODY)
    ids = [deliver(api_server, make_message(subject=f"m{n}", to="jan@example.test"), sender=f"s{n}@client.test",
                   rcpts=("jan@example.test",)) for n in range(3)]
    status, page, _ = call(api_server, "GET", "/api/v1/log?limit=2", token=READER)
    assert status == 200 and [e["id"] for e in page["items"]] == [ids[2], ids[1]] and page["next_before"] == ids[1]
    assert page["items"][0]["decisions"] == ["replied"]
    status, older, _ = call(api_server, "GET", f"/api/v1/log?limit=2&before={page['next_before']}", token=READER)
    assert [e["id"] for e in older["items"]] == [ids[0]] and older["next_before"] is None
    status, explained, _ = call(api_server, "GET", f"/api/v1/messages/{ids[0]}", token=READER)
    assert status == 200 and explained["message"]["subject"] == "m0"
    decision = explained["decisions"][0]
    assert decision["replied"] is True and decision["reply"]["status"] == "pending"
    assert any(check["rule"] == "outside-schedule" and check["passed"] for check in decision["checks"])
    assert call(api_server, "GET", "/api/v1/messages/999999")[0] == 404
    assert call(api_server, "GET", "/api/v1/messages/abc")[0] == 400

    status, queue, _ = call(api_server, "GET", "/api/v1/queue?limit=2")
    assert status == 200 and queue["total"] == 3 and len(queue["items"]) == 2 and queue["items"][0]["status"] == "pending"
    first = queue["items"][0]["id"]
    assert call(api_server, "DELETE", f"/api/v1/queue/{first}")[0] == 204
    assert call(api_server, "GET", "/api/v1/queue?status=dropped")[1]["total"] == 1
    assert call(api_server, "POST", f"/api/v1/queue/{first}/retry")[0] == 404
    second = queue["items"][1]["id"]
    status, retried, _ = call(api_server, "POST", f"/api/v1/queue/{second}/retry")
    assert status == 200 and retried == {"id": second, "status": "pending"}
    assert call(api_server, "GET", "/api/v1/queue?status=bogus")[0] == 400

    status, figures, _ = call(api_server, "GET", "/api/v1/status", token=READER)
    assert status == 200 and figures["inbound_messages"] == 3 and figures["queued"] == {"email": 2}
    assert figures["active_vacations"] == 1 and figures["smtp"].endswith(str(api_server.smtp_port))
    assert figures["http"].endswith(str(api_server.http_port))
