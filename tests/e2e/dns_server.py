"""A tiny DNS server (RFC 1035, stdlib only) for tests: answers from a dict, over UDP and TCP.

    zones = {
        "klient.test": {"MX": [(20, "mx2.klient.test"), (10, "mx1.klient.test")]},
        "mx1.klient.test": {"A": ["127.0.0.2"]},
        "mx2.klient.test": {"A": ["127.0.0.1"], "AAAA": ["2001:db8::25"]},
        "spf.test": {"TXT": ["v=spf1 mx -all", ["two ", "strings"], b"\\x80 raw bytes"]},
        "4.3.2.1.in-addr.arpa": {"PTR": ["mx1.klient.test"]},
        "www.klient.test": {"CNAME": ["klient.test"]},
        "slow.test": {"A": ["192.0.2.1"], "TXT": "TIMEOUT"},   # TXT queries are never answered
        "broken.test": "SERVFAIL",      # answers rcode 2
        "silent.test": "IGNORE",        # never answers (so does "TIMEOUT")
        # Ordered form, with the semantics of pyspf's test driver (see _records): the A query is
        # answered, every other type times out.
        "ordered.test": [("A", "192.0.2.1"), "TIMEOUT"],
    }
    with DNSServer(zones) as dns:
        resolver = f"127.0.0.1:{dns.port}"

Record values: A/AAAA an address; MX (preference, host); PTR/CNAME a name; TXT (and SPF, type 99) a
str (UTF-8), bytes, or a list of them = one record of several character-strings (each at most 255
octets; an empty list is a record with no strings at all). The str "TIMEOUT" in place of a value
means "queries of this type time out" (write a TXT record whose text is TIMEOUT as ["TIMEOUT"]).

A name that is not in the dict gets NXDOMAIN; a known name without records of the asked type gets an
empty NOERROR answer. Names are matched case-insensitively, without a trailing dot; answers carry the
owner name spelled as in the dict (real servers do not always echo the question's case). A CNAME is
answered with the chain followed inside the dict and the target's records of the asked type
(NXDOMAIN when the chain ends at an unknown name). "Times out" means no answer at all, on UDP and TCP.

The server listens on UDP and TCP on the same port (TCP messages framed by a two-octet length, RFC
1035 4.2.2). A UDP answer longer than 512 octets is replaced by an empty one with TC set, so the
client has to ask again over TCP (EDNS0 is ignored: the server behaves as one that does not support
it). Every query is recorded in `dns.queries` as (name, type) and in `dns.query_log` as
(name, type, "udp" | "tcp"); type is "A", "MX", "TXT", ... or the number.
"""
from __future__ import annotations

import errno
import socket
import struct
import threading

TYPES = {1: "A", 5: "CNAME", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 99: "SPF"}
TYPE_NUMBERS = {name: number for number, name in TYPES.items()}
UDP_LIMIT = 512  # RFC 1035 4.2.1, without EDNS0
MAX_CNAME_HOPS = 16


class _TimedOut(Exception):
    """The asked records are configured to time out: the server stays silent."""


def encode_name(name: str) -> bytes:
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            raw = label.encode("latin-1")
            if len(raw) > 63:
                raise ValueError(f"label longer than 63 octets in {name!r}")
            out += bytes([len(raw)]) + raw
    return out + b"\0"


def decode_question(packet: bytes, offset: int = 12):
    labels = []
    while True:
        length = packet[offset]
        offset += 1
        if length == 0:
            break
        if length & 0xC0:
            raise ValueError("compressed name in a question")
        # latin-1 keeps every octet, so names with unusual characters still match the dict.
        labels.append(packet[offset:offset + length].decode("latin-1"))
        offset += length
    qtype, qclass = struct.unpack("!HH", packet[offset:offset + 4])
    return ".".join(labels), qtype, qclass, offset + 4


def _character_strings(value) -> bytes:
    if isinstance(value, (str, bytes)):
        value = [value]
    out = b""
    for piece in value:
        raw = piece.encode("utf-8") if isinstance(piece, str) else bytes(piece)
        if len(raw) > 255:
            raise ValueError(f"TXT character-string longer than 255 octets: {raw[:40]!r}...")
        out += bytes([len(raw)]) + raw
    return out


def _rdata(type_name: str, value) -> bytes:
    if type_name == "A":
        return socket.inet_aton(value)
    if type_name == "AAAA":
        return socket.inet_pton(socket.AF_INET6, value)
    if type_name == "MX":
        preference, host = value
        return struct.pack("!H", preference) + encode_name(host)
    if type_name in ("PTR", "CNAME"):
        return encode_name(value)
    if type_name in ("TXT", "SPF"):
        return _character_strings(value)
    raise ValueError(f"unsupported record type {type_name}")


def _entries(value):
    """A name's records as an ordered list of (type, value) and "TIMEOUT" entries."""
    if isinstance(value, dict):
        entries = []
        for type_name, records in value.items():
            if isinstance(records, str) and records == "TIMEOUT":
                entries.append((type_name, "TIMEOUT"))
            else:
                entries.extend((type_name, record) for record in records)
        return entries
    return [entry if entry == "TIMEOUT" else tuple(entry) for entry in value]


class DNSServer:
    def __init__(self, zones: dict, host="127.0.0.1", port=0, ttl=60, timeout_unknown_prefix=None):
        """`timeout_unknown_prefix`: names that are not in the dict and start with it time out instead
        of getting NXDOMAIN (pyspf's test driver does so for "error.")."""
        self.zones = {}
        self.spelling = {}  # lower-case name -> as written in `zones`, for answer owner names
        for name, value in zones.items():
            key = name.lower().rstrip(".")
            self.spelling[key] = name.rstrip(".")
            self.zones[key] = value if value in ("SERVFAIL", "IGNORE", "TIMEOUT") else _entries(value)
            for entry in self.zones[key] if isinstance(self.zones[key], list) else ():
                if entry != "TIMEOUT" and not (isinstance(entry[1], str) and entry[1] == "TIMEOUT"):
                    _rdata(*entry)  # a bad record fails here, not as a silent non-answer later
        self.host = host
        self.ttl = ttl
        self.timeout_unknown_prefix = timeout_unknown_prefix
        self.queries: list[tuple[str, str]] = []
        self.query_log: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        self._sock, self._tcp = self._bind(host, port)
        self.port = self._sock.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"dns-{self.port}", daemon=True)
        self._tcp_thread = threading.Thread(target=self._serve_tcp, name=f"dns-tcp-{self.port}", daemon=True)
        self._connections: list[tuple[socket.socket, threading.Thread]] = []

    @staticmethod
    def _bind(host, port):
        # An ephemeral UDP port may already be taken on TCP by someone else: then try another one.
        for _ in range(50):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind((host, port))
            udp.settimeout(0.1)
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((host, udp.getsockname()[1]))
            except OSError as error:
                udp.close()
                tcp.close()
                if error.errno != errno.EADDRINUSE or port != 0:
                    raise
                continue
            tcp.listen(16)
            tcp.settimeout(0.1)
            return udp, tcp
        raise OSError(errno.EADDRINUSE, "no port free on both UDP and TCP")

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self):
        self._thread.start()
        self._tcp_thread.start()
        return self

    def stop(self):
        self._stopping.set()
        for thread in (self._thread, self._tcp_thread):
            if thread.is_alive():
                thread.join(5)
        with self._lock:
            connections = list(self._connections)
        for conn, thread in connections:
            thread.join(1)
            conn.close()
        self._sock.close()
        self._tcp.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _serve(self):
        while not self._stopping.is_set():
            try:
                packet, peer = self._sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                response = self.answer(packet, "udp")
            except (ValueError, IndexError, struct.error):
                continue  # not a query we understand: no answer
            if response is not None:
                try:
                    self._sock.sendto(response, peer)
                except OSError:
                    pass

    def _serve_tcp(self):
        while not self._stopping.is_set():
            try:
                conn, _peer = self._tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(0.1)
            thread = threading.Thread(target=self._serve_connection, args=(conn,), daemon=True,
                                      name=f"dns-tcp-conn-{self.port}")
            with self._lock:
                self._connections.append((conn, thread))
            thread.start()

    def _read_exactly(self, conn, count: int) -> bytes | None:
        data = b""
        while len(data) < count:
            if self._stopping.is_set():
                return None
            try:
                chunk = conn.recv(count - len(data))
            except socket.timeout:
                continue
            except OSError:
                return None
            if not chunk:
                return None
            data += chunk
        return data

    def _serve_connection(self, conn):
        # Several queries may come on one connection (RFC 7766 6.2.1); a query that times out gets no
        # answer, but the connection stays open until the client gives up, as a slow server's would.
        while True:
            prefix = self._read_exactly(conn, 2)
            if prefix is None:
                break
            packet = self._read_exactly(conn, struct.unpack("!H", prefix)[0])
            if packet is None:
                break
            try:
                response = self.answer(packet, "tcp")
            except (ValueError, IndexError, struct.error):
                continue
            if response is not None:
                try:
                    conn.sendall(struct.pack("!H", len(response)) + response)
                except OSError:
                    break
        try:
            conn.close()
        except OSError:
            pass

    def _records(self, key: str, type_name: str | None):
        """(type, value) records of `key`, the way pyspf's test driver (test/testspf.py, DNSLookup)
        reads its zone data: entries are taken in order; a bare "TIMEOUT" entry ends the answer there
        if a record of the asked type came before it, else the query times out; a (type, "TIMEOUT")
        entry times out queries of that type only. None for a name not in the dict."""
        entries = self.zones.get(key)
        if entries is None:
            if self.timeout_unknown_prefix and key.startswith(self.timeout_unknown_prefix):
                raise _TimedOut
            return None
        if entries in ("IGNORE", "TIMEOUT"):
            raise _TimedOut
        seen_asked_type = False
        records = []
        for entry in entries:
            if entry == "TIMEOUT":
                if not seen_asked_type:
                    raise _TimedOut
                break
            entry_type, value = entry
            if entry_type == type_name:
                seen_asked_type = True
            if isinstance(value, str) and value == "TIMEOUT":
                if entry_type == type_name:
                    raise _TimedOut
                continue
            records.append((entry_type, value))
        return records

    def _resolve(self, key: str, type_name: str | None):
        """(rcode, [(owner, type, value)]) for the question, following CNAMEs inside the dict."""
        answers = []
        seen = set()
        while True:
            if self.zones.get(key) == "SERVFAIL":
                return 2, answers
            records = self._records(key, type_name)
            if records is None:
                return 3, answers  # NXDOMAIN, also at the end of a CNAME chain (RFC 6604)
            owner = self.spelling.get(key, key)
            matching = [(owner, t, v) for t, v in records if t == type_name]
            cnames = [v for t, v in records if t == "CNAME"]
            answers += matching
            if type_name == "CNAME" or matching or not cnames:
                return 0, answers
            seen.add(key)
            answers.append((owner, "CNAME", cnames[0]))
            key = cnames[0].lower().rstrip(".")
            if key in seen or len(seen) > MAX_CNAME_HOPS:
                return 0, answers  # a loop: what a server gives, the client has to notice it

    def answer(self, packet: bytes, transport: str = "udp") -> bytes | None:
        query_id, flags, qdcount = struct.unpack("!HHH", packet[:6])
        if flags & 0x8000 or qdcount != 1:
            return None
        name, qtype, _qclass, end = decode_question(packet)
        key = name.lower().rstrip(".")
        with self._lock:
            self.queries.append((key, TYPES.get(qtype, str(qtype))))
            self.query_log.append((key, TYPES.get(qtype, str(qtype)), transport))
        try:
            rcode, records = self._resolve(key, TYPES.get(qtype))
        except _TimedOut:
            return None
        answers = []
        for owner, type_name, value in records:
            rdata = _rdata(type_name, value)
            # The question's owner name as a pointer to the question (offset 12), as real servers
            # compress it; any other owner, or a differently spelled one, written out.
            owner_name = struct.pack("!H", 0xC00C) if owner == name else encode_name(owner)
            answers.append(owner_name + struct.pack("!HHIH", TYPE_NUMBERS[type_name], 1, self.ttl, len(rdata)) + rdata)
        question = packet[12:end]
        # QR, opcode 0, AA, RD copied, RA, rcode.
        response_flags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode
        response = struct.pack("!HHHHHH", query_id, response_flags, 1, len(answers), 0, 0) + question + b"".join(answers)
        if transport == "udp" and len(response) > UDP_LIMIT:
            # TC: nothing of the answer over UDP, the client must ask again over TCP.
            response = struct.pack("!HHHHHH", query_id, response_flags | 0x0200, 1, 0, 0, 0) + question
        return response

    def asked(self, name: str, qtype: str, transport: str | None = None) -> int:
        """How many times `name`/`qtype` was asked (over `transport`, "udp" or "tcp", if given)."""
        with self._lock:
            if transport is None:
                return self.queries.count((name.lower(), qtype))
            return self.query_log.count((name.lower(), qtype, transport))
