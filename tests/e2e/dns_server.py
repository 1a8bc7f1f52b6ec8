"""A tiny UDP DNS server (RFC 1035, stdlib only) for tests: answers MX and A queries from a dict.

    zones = {
        "klient.test": {"MX": [(20, "mx2.klient.test"), (10, "mx1.klient.test")]},
        "mx1.klient.test": {"A": ["127.0.0.2"]},
        "mx2.klient.test": {"A": ["127.0.0.1"]},
        "broken.test": "SERVFAIL",      # answers rcode 2
        "silent.test": "IGNORE",        # never answers
    }
    with DNSServer(zones) as dns:
        resolver = f"127.0.0.1:{dns.port}"

A name that is not in the dict gets NXDOMAIN; a known name without records of the asked type gets an
empty NOERROR answer. Names are matched case-insensitively, without a trailing dot. Every query is
recorded in `dns.queries` as (name, type) with type "MX", "A", "AAAA" or the number.
"""
from __future__ import annotations

import socket
import struct
import threading

TYPES = {1: "A", 15: "MX", 28: "AAAA", 5: "CNAME", 16: "TXT"}
TYPE_NUMBERS = {name: number for number, name in TYPES.items()}


def encode_name(name: str) -> bytes:
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            raw = label.encode("ascii")
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
        labels.append(packet[offset:offset + length].decode("ascii", "replace"))
        offset += length
    qtype, qclass = struct.unpack("!HH", packet[offset:offset + 4])
    return ".".join(labels), qtype, qclass, offset + 4


class DNSServer:
    def __init__(self, zones: dict, host="127.0.0.1", port=0, ttl=60):
        self.zones = {name.lower().rstrip("."): value for name, value in zones.items()}
        self.host = host
        self.ttl = ttl
        self.queries: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, port))
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"dns-{self.port}", daemon=True)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self._sock.close()

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
                response = self.answer(packet)
            except (ValueError, IndexError, struct.error):
                continue  # not a query we understand: no answer
            if response is not None:
                try:
                    self._sock.sendto(response, peer)
                except OSError:
                    pass

    def answer(self, packet: bytes) -> bytes | None:
        query_id, flags, qdcount = struct.unpack("!HHH", packet[:6])
        if flags & 0x8000 or qdcount != 1:
            return None
        name, qtype, _qclass, end = decode_question(packet)
        key = name.lower().rstrip(".")
        with self._lock:
            self.queries.append((key, TYPES.get(qtype, str(qtype))))
        zone = self.zones.get(key)
        if zone == "IGNORE":
            return None
        rcode = 0
        answers = []
        if zone is None:
            rcode = 3  # NXDOMAIN
        elif zone == "SERVFAIL":
            rcode = 2
        else:
            type_name = TYPES.get(qtype)
            for record in zone.get(type_name, []) if type_name else []:
                if type_name == "MX":
                    preference, host = record
                    rdata = struct.pack("!H", preference) + encode_name(host)
                elif type_name == "A":
                    rdata = socket.inet_aton(record)
                elif type_name == "AAAA":
                    rdata = socket.inet_pton(socket.AF_INET6, record)
                else:
                    continue
                # Owner name as a pointer to the question (offset 12), as real servers compress it.
                answers.append(struct.pack("!HHHIH", 0xC00C, qtype, 1, self.ttl, len(rdata)) + rdata)
        # QR, opcode 0, AA, RD copied, RA, rcode.
        response_flags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode
        header = struct.pack("!HHHHHH", query_id, response_flags, 1, len(answers), 0, 0)
        return header + packet[12:end] + b"".join(answers)

    def asked(self, name: str, qtype: str) -> int:
        with self._lock:
            return self.queries.count((name.lower(), qtype))
