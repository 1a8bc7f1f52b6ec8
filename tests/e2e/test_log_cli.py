"""`replyd log` beside a running server: newest first, --limit, --json."""
import json
import urllib.request
from datetime import datetime

from conftest import deliver, make_message

LOG_KEYS = {"id", "received_at", "channel", "sender", "recipients", "subject", "message_id",
            "remote_address", "tls", "tls_version", "size", "spf", "decisions", "deliveries"}


def send_three(server):
    ids = [deliver(server, make_message(subject="first", message_id="<m1@client.test>"),
                   sender="one@client.test", rcpts=["alice@example.test"]),
           deliver(server, make_message(subject="Zażółć second", message_id="<m2@client.test>"),
                   sender="", rcpts=["bob@example.test", "carol@example.test"]),
           deliver(server, make_message(subject="third", message_id="<m3@client.test>"),
                   sender="three@client.test", rcpts=["dave@example.test"], tls=True)]
    assert ids == sorted(ids)
    return ids


def test_log_limit_shows_newest_first(server):
    ids = send_three(server)
    out = server.run_cli("log", "--limit", "2").stdout
    assert "third" in out and "Zażółć second" in out
    assert "first" not in out
    assert out.index("third") < out.index("Zażółć second")
    assert str(ids[2]) in out and "three@client.test" in out and "dave@example.test" in out
    assert "one@client.test" not in out
    full = server.run_cli("log").stdout
    assert full.index("third") < full.index("Zażółć second") < full.index("first")


def test_log_json(server):
    ids = send_three(server)
    lines = server.run_cli("log", "--json").stdout.splitlines()
    entries = [json.loads(line) for line in lines]
    assert [entry["id"] for entry in entries] == list(reversed(ids))
    for entry in entries:
        assert set(entry) == LOG_KEYS, entry
        assert entry["channel"] == "email"
        assert entry["remote_address"] == "127.0.0.1"
        assert isinstance(entry["size"], int) and entry["size"] > 0
        # client.test is unknown to the tests' name server: SPF "none" (for the HELO name when the sender is <>).
        assert entry["spf"]["result"] == "none" and entry["spf"]["identity"] == ("helo" if entry["sender"] == "" else "mailfrom")
        datetime.fromisoformat(entry["received_at"].replace("Z", "+00:00"))
    third, second, first = entries
    assert third["sender"] == "three@client.test"
    assert third["recipients"] == ["dave@example.test"]
    assert third["tls"] is True and third["tls_version"] in ("TLSv1.3", "TLSv1.2")
    assert third["message_id"] == "<m3@client.test>"
    assert second["sender"] == ""
    # No vacation is set: every recipient's decision is recorded as not answered (issue 3).
    assert third["decisions"] == ["no-vacation"]
    assert second["decisions"] == ["no-vacation", "no-vacation"]
    assert second["recipients"] == ["bob@example.test", "carol@example.test"]
    assert second["subject"] == "Zażółć second"
    assert first["tls"] is False and first["tls_version"] is None
    assert first["subject"] == "first"
    assert first["size"] == len(make_message(subject="first", message_id="<m1@client.test>"))

    limited = [json.loads(line) for line in server.run_cli("log", "--json", "--limit", "2").stdout.splitlines()]
    assert [entry["id"] for entry in limited] == [ids[2], ids[1]]


def test_log_rejects_limit_zero(server):
    deliver(server, make_message(subject="one"))
    for bad in ("0", "-1", "many"):
        result = server.run_cli("log", "--limit", bad, check=False)
        assert result.returncode != 0, (bad, result.stdout)
        assert "limit" in result.stderr.lower(), result.stderr
        assert "one" not in result.stdout


def test_healthz(server):
    with urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}/healthz", timeout=10) as response:
        assert response.status == 200
        assert response.read() == b"ok\n"
