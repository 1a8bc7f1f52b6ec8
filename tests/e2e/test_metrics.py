"""/metrics after a known sequence: connections, messages accepted and refused by reason, decisions
by reason, replies queued/sent/deferred/failed per channel, SMS in, queue gauges, commit latency."""
import hashlib
import hmac
import json
import smtplib
import time
import urllib.request

from conftest import config_with, deliver, make_message, set_vacation
from helpers import metric, scrape
from smtp_sink import SMTPSink


def test_counters_after_a_known_sequence(make_server):
    sink = SMTPSink().start()
    try:
        server = make_server(config_with(
            delivery={"mode": "relay", "relay_host": "127.0.0.1", "relay_port": sink.port, "relay_tls": "none",
                      "poll_interval": "100ms", "first_retry": "1s"},
            sms={"webhook_secret": "s3cret"}))
        before = scrape(server)
        assert metric(before, "replyd_smtp_messages_accepted_total") == 0
        set_vacation(server, "jan@example.test", "Jestem na urlopie.\n")
        server.run_cli("sms", "list-set", "+48500100200", "--name", "n", "--welcome", "w", "--farewell", "f", "--help", "h")
        # Two mails answered, one to a mailbox without a vacation; one relay attempt refused.
        for n in range(2):
            deliver(server, make_message(subject=f"m{n}", to="jan@example.test"), sender=f"s{n}@client.test",
                    rcpts=("jan@example.test",))
        deliver(server, make_message(to="ola@example.test"), sender="s9@client.test", rcpts=("ola@example.test",))
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as client:
            client.ehlo("client.test")
            client.mail("s@client.test")
            assert client.rcpt("someone@elsewhere.test")[0] == 550
        body = json.dumps({"from": "+48600100200", "to": "+48500100200", "text": "START", "id": "x1"}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{server.http_port}/sms/inbound", data=body, method="POST", headers={
            "X-Signature": "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()})
        urllib.request.urlopen(request, timeout=10).read()
        sink.wait_for(lambda s: len(s.messages) == 2, 20, "two replies at the sink")
        # The sink has both; the worker records each result just after: wait for the records too.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            values = scrape(server)
            if (metric(values, "replyd_outbound_total", channel="email", state="sent") == 2
                    and metric(values, "replyd_queue_depth", channel="email") == 0):
                break
            time.sleep(0.1)
        assert metric(values, "replyd_smtp_connections_total") == 4
        assert metric(values, "replyd_smtp_messages_accepted_total") == 3
        assert metric(values, "replyd_smtp_refusals_total", reason="relay-denied") == 1
        assert metric(values, "replyd_decisions_total", reason="replied") == 2
        assert metric(values, "replyd_decisions_total", reason="no-vacation") == 1
        assert metric(values, "replyd_outbound_total", channel="email", state="queued") == 2
        assert metric(values, "replyd_outbound_total", channel="email", state="sent") == 2
        assert metric(values, "replyd_outbound_total", channel="sms", state="queued") == 1
        assert metric(values, "replyd_sms_inbound_total", intent="opt-in") == 1
        # The SMS reply waits (no provider): the gauges read the queue as it is.
        assert metric(values, "replyd_queue_depth", channel="email") == 0
        assert metric(values, "replyd_queue_depth", channel="sms") == 1
        assert metric(values, "replyd_queue_oldest_age_seconds") >= 0
        assert metric(values, "replyd_vacations_active") == 1
        # Three messages and one SMS committed, each measured.
        assert metric(values, "replyd_sqlite_commit_seconds_count") >= 4
        assert metric(values, "replyd_sqlite_commit_seconds_bucket", le="+Inf") == metric(values, "replyd_sqlite_commit_seconds_count")
    finally:
        sink.stop()
