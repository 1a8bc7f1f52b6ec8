"""Several replyd nodes on one PostgreSQL database (issue 15), against a real PostgreSQL server: the
throw-away cluster scripts/test starts ($REPLYD_TEST_POSTGRES_URL), or one this module starts with
scripts/postgres when run alone. Each test gets a database of its own.

What must hold with N nodes: one reply per sender however many nodes the sender's mail reaches at
once; a node killed with kill -9 loses nothing it acknowledged and the others deliver its queued
replies after the lease; a STOP received by one node stops an SMS queued by another; the read
commands work against PostgreSQL; an unreachable database means 451, never a lost message.
"""
import concurrent.futures
import os
import smtplib
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from conftest import (BINARY, ROOT, config_with, deliver, explain, log_entries, make_message, new_postgres_database,
                      queue_items, set_vacation)
from helpers import api_call
from test_delivery import make_sink, wait_until  # noqa: F401 (make_sink: a fixture)
from test_sms_delivery import SECRET, add_list, inbound, provider_factory, sms_rows  # noqa: F401 (fixture)

MAILBOX = "jan@example.test"
ADMIN = "admin-token-0123456789abcdef"
TOKENS = f"""
[[api.tokens]]
name = "ops"
token = "{ADMIN}"
scopes = ["admin"]
"""


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """The superuser URL of a running PostgreSQL server (path: the `postgres` database)."""
    url = os.environ.get("REPLYD_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    # Not under pytest's own temp root: as root, the cluster runs as `postgres`, which cannot enter it.
    directory = tempfile.mkdtemp(prefix="replyd-e2e-pg-")
    url = subprocess.run([str(ROOT / "scripts" / "postgres"), "start", str(directory), "--fast"],
                         check=True, capture_output=True, text=True, timeout=300).stdout.strip()
    yield url
    subprocess.run([str(ROOT / "scripts" / "postgres"), "stop", str(directory)], capture_output=True, timeout=60)


def psql(url, *sql):
    args = ["psql", url, "-v", "ON_ERROR_STOP=1", "-Atq"]
    for statement in sql:
        args += ["-c", statement]
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture
def database(postgres_server):
    return new_postgres_database(postgres_server)


def node_config(database, **sections) -> str:
    storage = {"backend": "postgres", "postgres_url": database, "postgres_pool_size": 6}
    storage.update(sections.pop("storage", {}))
    delivery = {"lease": "2s", "poll_interval": "100ms", "connect_timeout": "5s", "command_timeout": "10s",
                "data_timeout": "10s", "first_retry": "1m"}
    delivery.update(sections.pop("delivery", {}))
    return config_with(storage=storage, delivery=delivery, replies={"max_per_hour": 1_000_000}, **sections) + TOKENS


def relay_to(sink):
    return {"mode": "relay", "relay_host": "127.0.0.1", "relay_port": sink.port, "relay_tls": "none"}


def send(node, sender, subject="Spotkanie"):
    """(code, text) of the answer to DATA; a refused or dropped connection counts as not acknowledged."""
    message = make_message(subject=subject, sender=f"<{sender}>", to=MAILBOX)
    try:
        with smtplib.SMTP("127.0.0.1", node.smtp_port, local_hostname="client.test", timeout=30) as client:
            client.ehlo()
            client.mail(sender)
            client.rcpt(MAILBOX)
            code, text = client.data(message)
            return code, text.decode()
    except (smtplib.SMTPException, OSError) as error:
        return None, str(error)


# --- configuration ---------------------------------------------------------------------------------------

def test_check_config_names_what_postgres_needs(tmp_path):
    cases = [
        ('[storage]\nbackend = "postgres"\n', 1, "storage.postgres_url", "required"),  # the section's line
        ('[storage]\nbackend = "postgres"\npostgres_url = "mysql://db/replyd"\n', 3, "storage.postgres_url", "postgres://"),
        ('[storage]\nbackend = "postgres"\npostgres_url = "postgres://db.example.test/replyd"\n', 3, "storage.postgres_url", "user"),
        ('[storage]\nbackend = "postgres"\npostgres_url = "postgres://u@db/replyd?sslmode=maybe"\n', 3, "storage.postgres_url", "sslmode"),
        ('[storage]\nbackend = "mysql"\n', 2, "storage.backend", '"sqlite" or "postgres"'),
        ('[storage]\npostgres_url = "postgres://u@db/replyd"\n', 2, "storage.postgres_url", "backend"),
        ('[storage]\nbackend = "postgres"\npostgres_url = "postgres://u@db/r"\npostgres_pool_size = 1\n', 4,
         "storage.postgres_pool_size", "2"),
    ]
    for index, (text, line, key, word) in enumerate(cases):
        path = tmp_path / f"bad{index}.toml"
        path.write_text(text)
        result = subprocess.run([str(BINARY), "check-config", "--config", str(path)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 1, (text, result.stdout, result.stderr)
        matching = [entry for entry in result.stderr.splitlines() if entry.startswith(f"{path}:{line}: {key}: ")]
        assert matching and word.lower() in matching[0].lower(), (text, result.stderr)


def test_an_unset_password_variable_is_named(make_server, database, tmp_path):
    config = node_config(database, storage={"postgres_password_env": "REPLYD_TEST_UNSET_PASSWORD"})
    path = tmp_path / "replyd.toml"
    path.write_text(config)
    result = subprocess.run([str(BINARY), "serve", "--config", str(path), "--data-dir", str(tmp_path / "data")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, env={k: v for k, v in os.environ.items()
                                                                           if k != "REPLYD_TEST_UNSET_PASSWORD"})
    assert result.returncode == 1
    assert "storage.postgres_password_env" in result.stderr and "REPLYD_TEST_UNSET_PASSWORD" in result.stderr


# --- several nodes ---------------------------------------------------------------------------------------

def test_nodes_starting_together_migrate_the_schema_once(make_server, database):
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        nodes = list(pool.map(lambda i: make_server(node_config(database), subdir=f"node{i}"), range(3)))
    assert all(node.proc.poll() is None for node in nodes)
    versions = psql(database.split("?")[0], "SELECT version, count(*) FROM replyd_schema GROUP BY version ORDER BY version")
    assert versions.split() == ["1|1"]
    # Every node reads what another wrote.
    message_id = deliver(nodes[0], make_message(subject="from node 0"))
    assert [entry["subject"] for entry in log_entries(nodes[2]) if entry["id"] == message_id] == ["from node 0"]


def test_mail_from_the_same_senders_to_every_node_at_once_gets_one_reply_each(make_server, make_sink, database):
    sink = make_sink()
    nodes = [make_server(node_config(database, delivery=relay_to(sink)), subdir=f"node{i}") for i in range(3)]
    set_vacation(nodes[0], MAILBOX, "Jestem na urlopie.\n")
    senders = [f"klient{i}@nadawca.test" for i in range(25)]
    barrier = threading.Barrier(len(nodes))

    def burst(node):
        barrier.wait()
        return [send(node, sender) for sender in senders]

    with concurrent.futures.ThreadPoolExecutor(len(nodes)) as pool:
        answers = [answer for node_answers in pool.map(burst, nodes) for answer in node_answers]
    assert [code for code, _ in answers] == [250] * len(nodes) * len(senders), answers
    sink.wait_messages(len(senders), timeout=60)
    time.sleep(1.5)  # anything sent twice would arrive in this time; the poll interval is 100 ms
    recipients = sorted(rcpt for message in sink.messages for rcpt in message.rcpt_tos)
    assert recipients == sorted(senders), "exactly one reply per sender"
    entries = log_entries(nodes[1])
    assert len(entries) == len(nodes) * len(senders)
    reasons = sorted(decision for entry in entries for decision in entry["decisions"])
    assert reasons.count("replied") == len(senders)
    assert reasons.count("already-replied-within-period") == (len(nodes) - 1) * len(senders)


def test_a_node_killed_under_load_loses_nothing_and_the_others_deliver_its_replies(make_server, make_sink, database):
    stuck = make_sink(behaviour={"eod": "hang"})   # node A's relay never answers its end of data
    good = make_sink()
    node_a = make_server(node_config(database, delivery=relay_to(stuck)), subdir="a")
    node_b = make_server(node_config(database, delivery=relay_to(good)), subdir="b")
    set_vacation(node_a, MAILBOX, "Jestem na urlopie.\n")
    acknowledged = {}
    lock = threading.Lock()

    def client(node, worker):
        for i in range(40):
            sender = f"n{worker}-{i}@nadawca.test"
            code, text = send(node, sender)
            if code == 250:
                with lock:
                    acknowledged[sender] = int(text.rsplit(" ", 1)[1])

    threads = [threading.Thread(target=client, args=(node, w)) for w, node in enumerate([node_a, node_a, node_b, node_b])]
    for thread in threads:
        thread.start()
    # Kill A while both nodes are taking mail and A holds leases on replies its relay never finishes.
    wait_until(lambda: stuck.connections > 0 and len(acknowledged) >= 40, timeout=30, what="load on both nodes")
    node_a.kill9()
    for thread in threads:
        thread.join()
    assert len(acknowledged) >= 80, "node B alone takes its two clients' 80 messages"
    logged = {entry["id"]: entry for entry in log_entries(node_b)}
    lost = {sender: mid for sender, mid in acknowledged.items() if mid not in logged or logged[mid]["sender"] != sender}
    assert lost == {}, "every acknowledged message is stored"
    # A's claimed replies are taken over after their lease (2 s) and delivered by B.
    wait_until(lambda: {r for m in good.messages for r in m.rcpt_tos} >= set(acknowledged), timeout=90,
               what="a reply to every acknowledged sender through node B")
    assert stuck.messages == [], "node A's relay never acknowledged anything"
    # Through the API (one process, not a command per item): the attempts of every sent reply.
    _, sent, _ = api_call(node_b, "GET", "/api/v1/queue?status=sent&limit=500", token=ADMIN)
    details = [attempt["detail"] for item in sent["items"]
               for attempt in api_call(node_b, "GET", f"/api/v1/queue/{item['id']}", token=ADMIN)[1]["delivery_attempts"]]
    assert any("resumed after an interrupted attempt" in detail for detail in details), \
        "some replies were taken over from node A's expired leases"


def test_stop_received_by_one_node_stops_an_sms_queued_by_another(make_server, provider_factory, pki, database):
    from test_sms_delivery import sms_config
    provider = provider_factory("twilio")
    provider.answer(503)
    node_b = make_server(sms_config(pki, provider) + node_storage(database), subdir="b")
    node_a = make_server(sms_config(pki) + node_storage(database), subdir="a")   # holds SMS: only B sends
    add_list(node_a)
    inbound(node_b, "Kiedy promocja?", "o1")
    provider.wait_for(lambda r: len(r) == 1)
    assert inbound(node_a, "STOP", "o2")["replied"] is True
    rows = wait_until(lambda: (lambda rows: rows if len(rows) == 2 and rows[0]["status"] == "suppressed"
                               and rows[1]["status"] in ("sent", "deferred") else None)(sms_rows(node_a)),
                      timeout=30, what="the autoreply suppressed at B's next claim")
    assert rows[0]["last_error"].startswith("opted-out")
    assert [a["outcome"] for a in rows[0]["delivery_attempts"]] == ["temporary", "suppressed"]
    bodies = [request.form()["Body"] for request in provider.requests]
    assert bodies.count("Dziękujemy za wiadomość.") == 1, "the autoreply was never sent again after STOP"


def node_storage(database) -> str:
    return f'\n[storage]\nbackend = "postgres"\npostgres_url = "{database}"\npostgres_pool_size = 6\n'


# --- reads, outage ---------------------------------------------------------------------------------------

def test_read_commands_and_the_api_work_against_postgres(make_server, database):
    node = make_server(node_config(database))
    other = make_server(node_config(database), subdir="other")
    set_vacation(node, MAILBOX, "Jestem na urlopie.\n")
    message_id = deliver(node, make_message(subject="Pytanie", to=MAILBOX), sender="ewa@klient.test", rcpts=[MAILBOX])
    result = explain(other, message_id)
    assert result["message"]["subject"] == "Pytanie"
    assert result["raw"].startswith(b"From: ") and result["trace"][0].startswith("Received: from")
    assert [d["replied"] for d in result["decisions"]] == [True]
    items = queue_items(other)
    assert len(items) == 1 and items[0]["recipient"] == "ewa@klient.test" and b"Jestem na urlopie." in items[0]["data"]
    assert "ewa@klient.test" in other.run_cli("queue", "list").stdout
    other.run_cli("contacts", "add", MAILBOX, "szef@example.test")
    assert "szef@example.test" in node.run_cli("contacts", "list", MAILBOX).stdout
    assert MAILBOX in node.run_cli("vacation", "list").stdout
    status, body, _ = api_call(other, "GET", "/api/v1/status", token=ADMIN)
    assert status == 200 and body["inbound_messages"] == 1, body
    status, body, _ = api_call(other, "GET", f"/api/v1/messages/{message_id}", token=ADMIN)
    assert status == 200 and body["message"]["subject"] == "Pytanie"


def test_an_unreachable_database_answers_451_and_nothing_acknowledged_is_lost(make_server, tmp_path):
    cluster = Path(tempfile.mkdtemp(prefix="replyd-e2e-outage-"))
    url = subprocess.run([str(ROOT / "scripts" / "postgres"), "start", str(cluster), "--fast"],
                         check=True, capture_output=True, text=True, timeout=300).stdout.strip()
    try:
        database = new_postgres_database(url)
        node = make_server(node_config(database, storage={"postgres_connect_timeout": "2s"}))
        before = deliver(node, make_message(subject="before the outage"))
        subprocess.run([str(ROOT / "scripts" / "postgres"), "halt", str(cluster)], check=True, timeout=60)
        code, text = send(node, "ewa@klient.test")
        assert code == 451 and "4.3.0" in text, (code, text)
        subprocess.run([str(ROOT / "scripts" / "postgres"), "resume", str(cluster)], check=True, timeout=120)
        after = wait_until(lambda: (lambda answer: answer if answer[0] == 250 else None)(send(node, "ewa@klient.test")),
                           timeout=90, what="250 once the database is back")
        subjects = {entry["id"]: entry["subject"] for entry in log_entries(node)}
        assert subjects[before] == "before the outage"
        assert int(after[1].rsplit(" ", 1)[1]) in subjects
        assert len(subjects) == 2, "the refused message was not stored"
    finally:
        subprocess.run([str(ROOT / "scripts" / "postgres"), "stop", str(cluster)], capture_output=True, timeout=60)
