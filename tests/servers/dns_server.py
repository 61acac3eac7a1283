"""A tiny authoritative DNS server for scripts/dns-check.sh (standard library only).

Answers UDP queries on HOST:PORT: an A query for any name under ZONE gets 127.0.0.1; an AAAA
query under ZONE gets an empty answer (so resolvers fall back to the A record); anything else is
NXDOMAIN. Each query is logged on stdout as `NAME TYPE`, so the check can prove that a lookup went
through DNS (and not through /etc/hosts).

    python dns_server.py --host 127.0.0.1 --port 53 --zone tokdiag.test
"""

import argparse
import socket
import struct
import sys

TYPES = {1: "A", 28: "AAAA"}


def parse_question(packet: bytes):
    """Returns (name, qtype, end offset of the question) of the first question."""
    labels, i = [], 12
    while packet[i]:
        n = packet[i]
        labels.append(packet[i + 1 : i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    qtype, _qclass = struct.unpack("!HH", packet[i + 1 : i + 5])
    return ".".join(labels).lower(), qtype, i + 5


def answer(packet: bytes, zone: str) -> bytes:
    qid = packet[:2]
    name, qtype, end = parse_question(packet)
    question = packet[12:end]
    in_zone = name == zone or name.endswith("." + zone)
    print(name, TYPES.get(qtype, qtype), flush=True)
    if not in_zone:  # NXDOMAIN, authoritative
        return qid + struct.pack("!HHHHH", 0x8583, 1, 0, 0, 0) + question
    if qtype != 1:  # the name exists, but has no record of that type
        return qid + struct.pack("!HHHHH", 0x8580, 1, 0, 0, 0) + question
    record = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
    return qid + struct.pack("!HHHHH", 0x8580, 1, 1, 0, 0) + question + record


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--zone", default="tokdiag.test")
    a = p.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((a.host, a.port))
    print(f"listening on {a.host}:{a.port} for {a.zone}", flush=True)
    while True:
        packet, peer = sock.recvfrom(4096)
        try:
            sock.sendto(answer(packet, a.zone.lower()), peer)
        except (IndexError, struct.error) as e:  # a malformed query: no answer
            print(f"bad query from {peer}: {e}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
