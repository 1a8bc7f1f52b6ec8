"""The OpenAPI document: valid (openapi-spec-validator), served and printed exactly as the one file in
the repository (Sources/ReplydAPI/Resources/openapi.json, embedded in the binary; docs/openapi.json
links to it), and every operation it lists is served (no 404/405 from the router with a token that
may call it)."""
import json
import re
import subprocess
import urllib.parse
import urllib.error
import urllib.request

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conftest import BINARY, ROOT, config_with, deliver, make_message
from helpers import http_request

TOKEN = "openapi-test-token-0123456789"
CONFIG = config_with() + f"""
[[api.tokens]]
name = "ops"
token = "{TOKEN}"
scopes = ["admin"]
"""

EXAMPLES = {"address": "jan@example.test", "contact": "ann@client.test", "list": "%2B48500100200", "id": "1",
            "order_id": "A-1", "event": "shipped", "channel": "sms", "locale": "pl"}


def fetch(server, method, path, token=TOKEN, body=None):
    return http_request(server, method, path, body=body, token=token)[:2]


def test_document_is_valid_and_kept_in_the_repository(make_server):
    server = make_server(CONFIG)
    status, served = fetch(server, "GET", "/api/v1/openapi.json", token=None)
    assert status == 200
    document = json.loads(served)
    validate(document)
    source = ROOT / "Sources" / "ReplydAPI" / "Resources" / "openapi.json"
    assert served == source.read_bytes(), "the binary embeds an older openapi.json: rebuild"
    assert (ROOT / "docs" / "openapi.json").resolve() == source.resolve()
    printed = subprocess.run([str(BINARY), "openapi"], capture_output=True, timeout=30, check=True).stdout
    assert printed == served


def test_every_documented_operation_is_served(make_server):
    server = make_server(CONFIG)
    document = json.loads(fetch(server, "GET", "/api/v1/openapi.json", token=None)[1])
    operations = 0
    for template, item in document["paths"].items():
        path = template
        for name, value in EXAMPLES.items():
            path = path.replace("{" + name + "}", value)
        for method in ("get", "post", "put", "delete"):
            if method not in item:
                continue
            operations += 1
            status, body = fetch(server, method.upper(), path, body={} if method in ("post", "put") else None)
            # Whatever the answer (200, 400 for the empty body, 404 for a missing item), it comes from
            # the handler, which always answers JSON with an error text; the router's own 404 does not.
            assert status != 405, (method, path)
            if status == 404:
                assert "error" in json.loads(body), (method, path, body)
            # And without a token, every operation but the document itself is refused.
            if template != "/api/v1/openapi.json":
                assert fetch(server, method.upper(), path, token=None)[0] == 401, (method, path)
    assert operations == 30


# --- every handler's answers against the document's schemas -------------------------------------

SCHEMA_CONFIG = config_with(sms={"webhook_secret": "s3cret"},
                            notifications={"sms_from": "+48500100200", "email_from": "Sklep <sklep@example.test>",
                                           "quiet_hours": "", "min_gap": "0s"}) + f"""
[[api.tokens]]
name = "ops"
token = "{TOKEN}"
scopes = ["admin"]
"""

VACATION = {"start": "2020-01-01", "message": "Na urlopie do {{end}}.", "end": "2099-12-31", "subject": "Urlop: {{original_subject}}"}
SMS_LIST = {"name": "club", "welcome": "Hi", "farewell": "Bye", "help": "Help", "autoreply": "Thanks"}
NOTIFICATION = {"order_id": "A-1", "event": "shipped",
                "customer": {"name": "Ola", "email": "ola@client.test", "phone": "600100200"}}

# (method, path, body): valid calls first (so later reads find something), then ones that must fail.
CALLS = [
    ("POST", "/api/v1/mailboxes", {"address": "ola@example.test", "name": "Ola", "aliases": ["o@example.test"]}, 201),
    ("POST", "/api/v1/mailboxes", {"address": "ola@example.test"}, 409),
    ("POST", "/api/v1/mailboxes", {"address": "nope"}, 400),
    ("PUT", "/api/v1/mailboxes/ola@example.test/aliases", {"aliases": ["ola.k@example.test"]}, 200),
    ("PUT", "/api/v1/mailboxes/ola@example.test/vacation", VACATION, 201),
    ("PUT", "/api/v1/mailboxes/ola@example.test/vacation", VACATION, 200),
    ("POST", "/api/v1/mailboxes/ola@example.test/vacation/preview", {"settings": VACATION, "subject": "Faktura"}, 200),
    ("POST", "/api/v1/mailboxes/ola@example.test/contacts", [{"address": "ann@client.test", "name": "Ann"}], 200),
    ("PUT", "/api/v1/sms/lists/%2B48500100300", SMS_LIST, 201),
    ("POST", "/api/v1/notifications", NOTIFICATION, 202),
    ("POST", "/api/v1/notifications", NOTIFICATION, 409),
    ("PUT", "/api/v1/notification-templates/shipped/sms/pl", {"body": "Zamówienie {{order_number}} wysłane."}, 200),
    ("GET", "/api/v1/status", None, 200),
    ("GET", "/api/v1/mailboxes", None, 200),
    ("GET", "/api/v1/mailboxes?away=true", None, 200),
    ("GET", "/api/v1/mailboxes/ola@example.test", None, 200),
    ("GET", "/api/v1/mailboxes/nobody@example.test", None, 404),
    ("GET", "/api/v1/mailboxes/ola@example.test/vacation", None, 200),
    ("GET", "/api/v1/mailboxes/ola@example.test/contacts", None, 200),
    ("GET", "/api/v1/sms/lists", None, 200),
    ("GET", "/api/v1/sms/lists/%2B48500100300", None, 200),
    ("GET", "/api/v1/sms/lists/%2B48500100300/subscriptions?status=out", None, 200),
    ("GET", "/api/v1/log", None, 200),
    ("GET", "/api/v1/log?limit=0", None, 400),
    ("GET", "/api/v1/messages/{message}", None, 200),
    ("GET", "/api/v1/queue", None, 200),
    ("GET", "/api/v1/queue?status=sent", None, 200),
    ("GET", "/api/v1/queue/{queued}", None, 200),
    ("GET", "/api/v1/queue/999", None, 404),
    ("GET", "/api/v1/notifications/{notification}", None, 200),
    ("GET", "/api/v1/orders/A-1/notifications", None, 200),
    ("GET", "/api/v1/notification-templates", None, 200),
    ("POST", "/api/v1/queue/{queued}/retry", None, 200),
    ("DELETE", "/api/v1/queue/{queued}", None, 204),
    ("DELETE", "/api/v1/mailboxes/ola@example.test/contacts/ann@client.test", None, 204),
    ("DELETE", "/api/v1/sms/lists/%2B48500100300", None, 204),
    ("DELETE", "/api/v1/mailboxes/ola@example.test/vacation", None, 204),
    ("DELETE", "/api/v1/mailboxes/ola@example.test", None, 204),
]


def operation_of(document, method, path):
    """The documented operation a concrete path matches, and its template."""
    bare = urllib.parse.unquote(path.split("?")[0])
    for template, item in document["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, bare) and method.lower() in item:
            return template, item[method.lower()]
    raise AssertionError(f"{method} {path} is not in the document")


def validator_for(document, schema):
    """A JSON Schema 2020-12 validator for `schema`, whose #/components/... references resolve in the document."""
    contents = dict(document)
    contents["x-under-test"] = schema
    registry = Registry().with_resource("urn:replyd:openapi", Resource.from_contents(contents, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": "urn:replyd:openapi#/x-under-test"}, registry=registry)


def test_every_answer_matches_its_documented_schema(make_server):
    server = make_server(SCHEMA_CONFIG)
    document = json.loads(fetch(server, "GET", "/api/v1/openapi.json", token=None)[1])
    checked = set()
    # Ids are those of what the calls created, not assumed: on PostgreSQL a rolled-back rehearsal
    # (the vacation preview) uses up a sequence value, so the first message need not be 1.
    ids = {}
    for method, path, body, expected in CALLS:
        if path == "/api/v1/status":
            # Something in the log and the queue: a mail to the mailbox, now that it has a vacation.
            ids["message"] = deliver(server, make_message(subject="Faktura", to="ola@example.test"), rcpts=("ola@example.test",))
            queue = json.loads(fetch(server, "GET", "/api/v1/queue")[1])
            ids["queued"] = min(item["id"] for item in queue["items"])
        path = path.format(**ids)
        template, operation = operation_of(document, method, path)
        status, raw = fetch(server, method, path, body=body)
        assert status == expected, f"{method} {path}: {status} {raw[:300]!r}"
        if (method, path, status) == ("POST", "/api/v1/notifications", 202):
            ids["notification"] = json.loads(raw)["id"]
        responses = operation["responses"]
        assert str(status) in responses, f"{method} {path} answered {status}, which the document does not list: {raw[:300]!r}"
        response = responses[str(status)]
        if "$ref" in response:
            response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            assert not raw, f"{method} {path} {status}: the document says no body, got {raw[:200]!r}"
            continue
        errors = sorted(validator_for(document, schema).iter_errors(json.loads(raw)), key=lambda e: list(e.path))
        assert not errors, f"{method} {path} {status}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
        checked.add((template, method, status))
    # Every operation was called at least once.
    operations = {(t, m.upper()) for t, item in document["paths"].items() for m in item if m in ("get", "post", "put", "delete")}
    called = {(operation_of(document, m, p.format(message=1, queued=1, notification=1))[0], m) for m, p, _, _ in CALLS}
    assert operations - called <= {("/api/v1/openapi.json", "GET")}
    assert len(checked) >= 25
