"""A local HTTPS server that plays an SMS provider's send API (Twilio, mProfi or a generic JSON
gateway) for the end-to-end tests: stdlib only (http.server + ssl), ephemeral loopback port.

It records every send request (`provider.requests`: method, path, headers, body) and answers from a
script: `provider.answer(500, 201)` makes the next request get 500 and the one after 201; when the
script is empty it answers the provider's normal success (Twilio 201 with a `sid`, mProfi 200 with an
`id`, generic 200).

As mProfi it also answers GETINCOMING (`POST …/getincoming/`, JSON `{"apikey", "date_from",
"date_to"}` in Polish time): `provider.receive(sender, recipient, text)` puts a message in its inbox,
stamped now, and every poll whose range covers that second lists it again, as mProfi's own
date-range query would. Polls are kept apart in `provider.polls` (request, status, ids listed);
`provider.served[id]` counts how often a message was listed.
"""
from __future__ import annotations

import collections
import dataclasses
import datetime
import itertools
import json
import ssl
import threading
import time
import zoneinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
MPROFI_TIME = "%Y-%m-%d %H:%M:%S"


@dataclasses.dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    def form(self):
        from urllib.parse import parse_qs
        return {key: values[0] for key, values in parse_qs(self.body.decode(), keep_blank_values=True).items()}


class SMSProvider:
    def __init__(self, certfile, keyfile, kind="twilio"):
        self.kind = kind
        self.requests: list[Request] = []
        self.script: list = []
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.inbox: list[dict] = []
        self.incoming_script: list = []
        self.polls: list[tuple] = []
        self.served = collections.Counter()
        self.incoming_ids = itertools.count(1001)
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # http.server writes the head and the body apart; with Nagle on, every answer waited for
            # the client's delayed ACK (about 40 ms).
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                request = Request("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                if provider.kind == "mprofi" and self.path.endswith("/getincoming/"):
                    status, payload = provider.incoming(request)
                else:
                    with provider.lock:
                        provider.requests.append(request)
                        answer = provider.script.pop(0) if provider.script else None
                    status, payload = provider.respond(answer)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(certfile), str(keyfile))
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"https://127.0.0.1:{self.port}"

    def answer(self, *statuses):
        """The next requests get these answers: a status, or (status, payload)."""
        with self.lock:
            self.script.extend(statuses)

    def respond(self, answer):
        if isinstance(answer, tuple):
            return answer
        if answer is None:
            n = next(self.ids)
            if self.kind == "twilio":
                return 201, {"sid": f"SM{n:032d}", "status": "queued"}
            if self.kind == "mprofi":
                return 200, {"id": n}
            return 200, {"id": f"gw-{n}"}
        if 200 <= answer < 300:
            return answer, {"id": f"x-{next(self.ids)}"}
        if self.kind == "twilio":
            return answer, {"code": 21610 if answer == 400 else 20500, "message": f"scripted {answer}", "status": answer}
        return answer, {"error": f"scripted {answer}"}

    def receive(self, sender, recipient, text, fail_first=()):
        """mProfi received `text` now; returns its id. `fail_first`: answers (a status, or (status,
        payload), payload bytes sent as they are) for the next polls, set together with the message so
        that the polls which would have listed it first get them instead."""
        with self.lock:
            self.incoming_script.extend(fail_first)
            message = {"id": next(self.incoming_ids), "sender": sender, "recipient": recipient, "message": text,
                       "ts": datetime.datetime.now(WARSAW).replace(microsecond=0)}
            self.inbox.append(message)
            return message["id"]

    def incoming(self, request):
        """GETINCOMING: the inbox messages stamped within [date_from, date_to], both inclusive."""
        with self.lock:
            if self.incoming_script:
                answer = self.incoming_script.pop(0)
                status, payload = answer if isinstance(answer, tuple) else (answer, {"detail": f"scripted {answer}"})
                self.polls.append((request, status, []))
                return status, payload
            try:
                query = request.json()
                since, until = (datetime.datetime.strptime(query[name], MPROFI_TIME).replace(tzinfo=WARSAW)
                                for name in ("date_from", "date_to"))
            except (ValueError, KeyError, TypeError) as error:
                self.polls.append((request, 400, []))
                return 400, {"detail": f"bad request: {error}"}
            listed = [m for m in self.inbox if since <= m["ts"] <= until]
            self.served.update(m["id"] for m in listed)
            self.polls.append((request, 200, [m["id"] for m in listed]))
            return 200, [dict(m, ts=m["ts"].strftime(MPROFI_TIME)) for m in listed]

    def wait_for_polls(self, predicate, timeout=20, what="GETINCOMING polls"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(list(self.polls)):
                    return list(self.polls)
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; got {len(self.polls)} polls: {self.polls[-5:]!r}")

    def wait_for(self, predicate, timeout=20, what="the provider to be called"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(list(self.requests)):
                    return list(self.requests)
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; got {len(self.requests)} requests: {self.requests!r}")

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
