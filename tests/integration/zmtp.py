"""ZMTP 3.0 (RFC 23) written by hand, for the peers libzmq will not play:
a CURVE peer that says what it likes in its handshake (rawcurve.py), and a
NULL peer that never finishes a message or subscribes to 2 MiB topics
(test_sec_hostile_peers.py). Only what those tests need: no ZMTP 3.1."""
import socket
import struct


def connect(endpoint, timeout=5.0):
    """A stream socket to an ipc:// endpoint."""
    assert endpoint.startswith("ipc://"), endpoint
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(endpoint[len("ipc://"):])
    return sock


def greeting(mechanism):
    """The 64-byte greeting of version 3.0, as a client (as-server 0)."""
    return (b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x00" + mechanism.ljust(20, b"\x00")
            + b"\x00" + b"\x00" * 31)


def frame(body, more=False, command=False):
    """One frame: flags (MORE 0x01, LONG 0x02, COMMAND 0x04), size, body."""
    flags = (0x04 if command else 0x00) | (0x01 if more else 0x00)
    if len(body) > 255:
        return bytes([flags | 0x02]) + struct.pack(">Q", len(body)) + body
    return bytes([flags, len(body)]) + body


def metadata(properties):
    """ZMTP metadata: name length, name, value length (4 bytes), value."""
    out = b""
    for name, value in properties:
        name, value = name.encode(), value.encode() if isinstance(value, str) else value
        out += bytes([len(name)]) + name + struct.pack(">I", len(value)) + value
    return out


def null_peer(endpoint, socket_type):
    """A peer with the NULL mechanism, after its handshake (its READY sent;
    the server's greeting and READY are left unread)."""
    sock = connect(endpoint)
    sock.sendall(greeting(b"NULL"))
    sock.sendall(frame(b"\x05READY" + metadata([("Socket-Type", socket_type)]), command=True))
    return sock
