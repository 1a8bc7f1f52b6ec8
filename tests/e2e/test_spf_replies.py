"""SPF at SMTP time against backscatter (issue 14): every message's envelope sender is checked for the
connecting client (127.0.0.1) while the message is transferred, the result is kept with the message
(`replyd log`, `explain`, the API), and `[replies] require_spf` decides whom a vacation may answer.
The sender domains' policies come from a local DNS server (tests/e2e/dns_server.py).
"""
import re

import pytest

from conftest import config_with, deliver, explain, log_entries, make_message, only_decision, set_vacation
from dns_server import DNSServer

MAILBOX = "jan@example.test"

ZONES = {
    "allowed.test": {"TXT": ["v=spf1 ip4:127.0.0.0/8 -all"]},
    "forged.test": {"TXT": ["v=spf1 ip4:192.0.2.1 -all exp=why.forged.test"]},
    "why.forged.test": {"TXT": ["%{i} is not a mail server of %{d}"]},
    "soft.test": {"TXT": ["v=spf1 ~all"]},
    "broken.test": {"TXT": ["v=spf1 ip4:127.0.0.1 moo:bar -all"]},
    "nopolicy.test": {"MX": [(10, "mx.nopolicy.test")]},
    "silent.test": "IGNORE",
}


@pytest.fixture(scope="module")
def dns():
    server = DNSServer(ZONES).start()
    yield server
    server.stop()


def start(make_server, dns, **replies):
    server = make_server(config_with(delivery={"resolver": dns.address}, smtp={"spf_timeout": "5s"},
                                     replies={"max_per_hour": 1000, **replies}))
    set_vacation(server, MAILBOX, "Jestem na urlopie.\n")
    return server


def send(server, sender):
    return deliver(server, make_message(sender=sender, to=MAILBOX), sender=sender, rcpts=[MAILBOX])


def spf_of(server, message_id):
    return next(entry for entry in log_entries(server) if entry["id"] == message_id)["spf"]


def test_default_not_fail_answers_everyone_but_forged_or_unverifiable_senders(make_server, dns):
    server = start(make_server, dns)
    assert "spf:      checked for every message; replies need pass, neutral, softfail or none" in "".join(server.output)
    expected = {"ewa@allowed.test": ("pass", True), "x@forged.test": ("fail", False), "y@soft.test": ("softfail", True),
                "z@broken.test": ("permerror", False), "w@nopolicy.test": ("none", True), "v@silent.test": ("temperror", False)}
    ids = {sender: send(server, sender) for sender in expected}
    for sender, (result, answered) in expected.items():
        spf = spf_of(server, ids[sender])
        assert spf["result"] == result and spf["identity"] == "mailfrom", (sender, spf)
        assert spf["domain"] == sender.split("@")[1]
        decision = only_decision(server, ids[sender])
        assert decision["replied"] is answered, (sender, decision)
    forged = only_decision(server, ids["x@forged.test"])
    assert forged["reason"] == "spf-not-allowed"
    check = next(c for c in forged["checks"] if c["rule"] == "spf-not-allowed")
    assert not check["passed"] and "forged" in check["detail"]
    assert spf_of(server, ids["x@forged.test"])["explanation"] == "127.0.0.1 is not a mail server of forged.test"
    assert "ip4:127.0.0.0/8" in spf_of(server, ids["ewa@allowed.test"])["detail"]
    # A broken policy or a check that could not finish is not answered either, each with its reason.
    assert "policy is broken" in next(c for c in only_decision(server, ids["z@broken.test"])["checks"] if c["rule"] == "spf-not-allowed")["detail"]
    assert "did not finish" in next(c for c in only_decision(server, ids["v@silent.test"])["checks"] if c["rule"] == "spf-not-allowed")["detail"]
    # A name server that never answers costs the message spf_timeout, not its acceptance.
    assert "no result within" in spf_of(server, ids["v@silent.test"])["detail"] or "no answer" in spf_of(server, ids["v@silent.test"])["detail"]
    # The text log has the column too; explain shows the rule.
    text = server.run_cli("log").stdout
    assert "SPF" in text.splitlines()[0] and "fail" in text
    allowed = explain(server, ids["ewa@allowed.test"])
    assert any(c["rule"] == "spf-not-allowed" and c["passed"] for c in allowed["decisions"][0]["checks"])
    # Trace fields (RFC 5321 4.4, RFC 7208 9.1) are kept beside the bytes, which stay as received.
    received, received_spf = allowed["trace"]
    assert re.match(r"Received: from \S+ \(\[127\.0\.0\.1\]\) by localhost \(replyd\) with ESMTP", received), received
    assert f"for <{MAILBOX}>;" in received and received.endswith("+0000")
    assert received_spf.startswith("Received-SPF: pass (localhost: domain of ewa@allowed.test designates 127.0.0.1 as permitted sender)")
    assert 'envelope-from="ewa@allowed.test"' in received_spf
    assert not allowed["raw"].startswith(b"Received:") and allowed["raw"].startswith(b"From:")


def test_require_pass_answers_only_senders_their_domain_permits(make_server, dns):
    server = start(make_server, dns, require_spf="pass")
    allowed, soft, none = send(server, "ewa@allowed.test"), send(server, "y@soft.test"), send(server, "w@nopolicy.test")
    assert only_decision(server, allowed)["replied"] is True
    for message_id in (soft, none):
        decision = only_decision(server, message_id)
        assert decision["replied"] is False and decision["reason"] == "spf-not-allowed", decision


def test_off_asks_no_dns_and_answers_forged_senders(make_server, dns):
    before = len(dns.queries)
    server = start(make_server, dns, require_spf="off")
    message_id = send(server, "x@forged.test")
    assert only_decision(server, message_id)["replied"] is True
    assert spf_of(server, message_id) is None
    assert not any(name.endswith("forged.test") for name, _ in dns.queries[before:])


def test_the_null_sender_is_checked_by_its_helo_name(make_server, dns):
    import smtplib
    server = start(make_server, dns)
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="allowed.test", timeout=30) as client:
        client.sendmail("", [MAILBOX], make_message(sender="MAILER-DAEMON@allowed.test", to=MAILBOX))
    entry = log_entries(server)[-1]
    assert entry["sender"] == "" and entry["spf"]["identity"] == "helo" and entry["spf"]["result"] == "pass"


def test_answers_are_cached_for_their_ttl(make_server):
    # A server of its own, so no other test's questions count.
    with DNSServer({"cached.test": {"TXT": ["v=spf1 ip4:127.0.0.1 -all"]}}, ttl=300) as dns:
        server = start(make_server, dns)
        first, second = send(server, "a@cached.test"), send(server, "b@cached.test")
        assert spf_of(server, first)["result"] == spf_of(server, second)["result"] == "pass"
        assert dns.asked("cached.test", "TXT") == 1, dns.queries
