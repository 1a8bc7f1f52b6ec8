"""The HTTP port is on the internet for the SMS webhooks: a cap on connections and deadlines that
trickled bytes cannot extend, each tested at its edge through real sockets."""
import http.client
import re
import socket
import time

from conftest import assert_still_serves, config_with, trickle


def http_socket(server, timeout=10) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.http_port), timeout=timeout)


def healthz(server) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status
    finally:
        connection.close()


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def test_connection_cap_refuses_with_503_and_frees_slots(make_server):
    server = make_server(config_with(http={"max_connections": 4, "idle_timeout": "60s"}))
    held = [http_socket(server) for _ in range(4)]
    try:
        for sock in held:  # each answered, so accepted and counted, before the extra one comes
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(1024).startswith(b"HTTP/1.1 200")
        extra = http_socket(server)
        answer = read_all(extra)
        extra.close()
        assert answer.startswith(b"HTTP/1.1 503"), answer
        assert b"Connection: close" in answer
        # Held connections still work.
        held[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert held[0].recv(1024).startswith(b"HTTP/1.1 200")
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 10
    while True:
        try:
            if healthz(server) == 200:
                break
        except (ConnectionError, http.client.HTTPException):
            pass
        assert time.monotonic() < deadline, "slots were not given back"
        time.sleep(0.1)
    metrics = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    metrics.request("GET", "/metrics")
    text = metrics.getresponse().read().decode()
    # At least the one above (a health check racing the release of the slots may be refused too).
    refused = re.search(r"^replyd_http_connections_refused_total (\d+)", text, re.M)
    assert refused and int(refused.group(1)) >= 1, text
    assert_still_serves(server)


def test_idle_connection_is_closed(make_server):
    server = make_server(config_with(http={"idle_timeout": "1s"}))
    sock = http_socket(server, timeout=15)
    started = time.monotonic()
    assert read_all(sock) == b""
    assert time.monotonic() - started < 14
    sock.close()


def test_trickled_request_head_is_cut_off(make_server):
    server = make_server(config_with(http={"idle_timeout": "1s", "request_timeout": "30s"}))
    sock = http_socket(server, timeout=15)
    head = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 60 + b"\r\n\r\n"
    sent, received = trickle(sock, head, 0.1)
    closed = received == b""
    if received:  # an answer before the close: it must still close
        sock.settimeout(5)
        closed = sock.recv(65536) == b""
    sock.close()
    assert closed and sent < len(head), f"a head trickled over {len(head) * 0.1:.0f} s was read whole"
    assert healthz(server) == 200


def test_trickled_body_is_cut_off_with_408(make_server):
    # A long idle time-out, so that only the request deadline can end this.
    server = make_server(config_with(http={"idle_timeout": "60s", "request_timeout": "1s"},
                                     sms={"webhook_secret": "s3cret-s3cret-s3cret"}))
    sock = http_socket(server, timeout=15)
    sock.sendall(b"POST /sms/inbound HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 400\r\n\r\n")
    answer = b""
    for _ in range(40):
        try:
            sock.sendall(b"{" * 10)
        except (BrokenPipeError, ConnectionResetError):
            break
        sock.settimeout(0.25)
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            continue
        except ConnectionResetError:
            break
        answer += chunk
        if not chunk or b"\r\n\r\n" in answer:
            break
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert healthz(server) == 200


def test_client_that_never_reads_responses_is_closed(make_server):
    """Pipelined requests and no reads: Hummingbird's idle timer does not run while a response waits
    to be written, so replyd closes a connection that takes no responses for request_timeout."""
    server = make_server(config_with(http={"idle_timeout": "60s", "request_timeout": "2s"}))
    sock = http_socket(server)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    request = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            sock.send(request)
        except BlockingIOError:
            break
        except (BrokenPipeError, ConnectionResetError):
            break
    time.sleep(6)
    sock.setblocking(True)
    sock.settimeout(5)
    closed = False
    try:
        while sock.recv(1 << 20):
            pass
        closed = True
    except ConnectionResetError:
        closed = True
    except socket.timeout:
        closed = False
    sock.close()
    assert closed, "a connection that takes no responses stayed open"
    assert healthz(server) == 200
