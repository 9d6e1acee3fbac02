"""A CURVE peer written from the ZeroMQ specifications (ZMTP 3.0, RFC 23;
CurveZMQ, RFC 26), with libsodium through ctypes, for tests that must say
what libzmq will not let a client say: handshake metadata with any
property name (libzmq's ZMQ_METADATA only sends names starting "X-"), such
as "roles" or "groups", next to a chosen routing id ("Identity").

A peer connects to an ipc:// endpoint as a DEALER, runs the handshake with
its own long-term key pair, then sends and receives multipart messages.
Only what the tests need is here: no ZMTP 3.1 heartbeats, no PUB/SUB.
"""
import ctypes
import ctypes.util
import os
import socket
import struct
import time

from zmq.utils import z85

import zmtp

_NAME = ctypes.util.find_library("sodium") or "libsodium.so.23"
_sodium = ctypes.CDLL(_NAME)
if _sodium.sodium_init() < 0:
    raise RuntimeError("libsodium did not initialise")
_ull = ctypes.c_ulonglong


def _box(message, nonce, public, secret):
    """crypto_box_easy: the MAC then the ciphertext, as CurveZMQ sends them."""
    out = ctypes.create_string_buffer(len(message) + 16)
    if _sodium.crypto_box_easy(out, message, _ull(len(message)), nonce, public, secret) != 0:
        raise RuntimeError("crypto_box_easy failed")
    return out.raw


def _unbox(box, nonce, public, secret):
    out = ctypes.create_string_buffer(max(len(box) - 16, 1))
    if _sodium.crypto_box_open_easy(out, box, _ull(len(box)), nonce, public, secret) != 0:
        raise RuntimeError("a CURVE box did not open (wrong key or nonce)")
    return out.raw[:len(box) - 16]


def _keypair():
    public, secret = ctypes.create_string_buffer(32), ctypes.create_string_buffer(32)
    _sodium.crypto_box_keypair(public, secret)
    return public.raw, secret.raw


def cert_keys(path):
    """(public, secret) of a zcert file, as 32-byte strings; secret is None
    in a public certificate."""
    public = secret = None
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line.startswith("public-key"):
            public = z85.decode(line.split('"')[1].encode())
        elif line.startswith("secret-key"):
            secret = z85.decode(line.split('"')[1].encode())
    return public, secret


class HandshakeRefused(Exception):
    """The server answered ERROR (ZAP refused the key) or hung up."""


class RawCurvePeer:
    """One CURVE connection to an ipc:// endpoint, as a DEALER.

    `properties` is the metadata sent in INITIATE, in order, e.g.
    [("Socket-Type", "DEALER"), ("Identity", "legal-worker-1"), ("roles", "*")].
    """

    def __init__(self, endpoint, server_public, public, secret, properties, timeout=5.0):
        self.sock = zmtp.connect(endpoint, timeout)
        self.buffer = b""
        self.nonce = 0
        self.server_public = server_public
        try:
            self._handshake(public, secret, properties)
        except Exception:
            self.sock.close()
            raise

    # ZMTP framing ---------------------------------------------------------

    def _fill(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise HandshakeRefused("the server closed the connection")
            self.buffer += chunk

    def _read(self, n):
        self._fill(n)
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _send_frame(self, body, command=False):
        self.sock.sendall(zmtp.frame(body, command=command))

    def _read_frame(self):
        """One whole frame; a timeout leaves a partial one in the buffer."""
        self._fill(1)
        flags = self.buffer[0]
        header = 9 if flags & 0x02 else 2
        self._fill(header)
        size = struct.unpack(">Q", self.buffer[1:9])[0] if flags & 0x02 else self.buffer[1]
        self._fill(header + size)
        body = self.buffer[header:header + size]
        self.buffer = self.buffer[header + size:]
        return flags, body

    def _command(self, expected):
        flags, body = self._read_frame()
        name = body[1:1 + body[0]]
        if name == b"ERROR":
            reason = body[1 + body[0]:]
            raise HandshakeRefused("ERROR: %s" % reason[1:1 + reason[0]].decode(errors="replace"))
        if name != expected:
            raise HandshakeRefused("expected %s, got %r" % (expected, name))
        return body[1 + len(name):]

    def _next_nonce(self):
        self.nonce += 1
        return struct.pack(">Q", self.nonce)

    # CurveZMQ handshake ---------------------------------------------------

    def _handshake(self, public, secret, properties):
        self.sock.sendall(zmtp.greeting(b"CURVE"))
        theirs = self._read(64)
        if theirs[0] != 0xff or theirs[10] != 3 or theirs[12:17] != b"CURVE":
            raise HandshakeRefused("not a ZMTP 3 CURVE server: %r" % theirs[:17])
        self.short_public, self.short_secret = _keypair()
        short = self._next_nonce()
        hello_box = _box(b"\x00" * 64, b"CurveZMQHELLO---" + short, self.server_public,
                         self.short_secret)
        self._send_frame(b"\x05HELLO" + b"\x01\x00" + b"\x00" * 72 + self.short_public + short
                         + hello_box, command=True)
        welcome = self._command(b"WELCOME")
        opened = _unbox(welcome[16:], b"WELCOME-" + welcome[:16], self.server_public,
                        self.short_secret)
        self.server_short, cookie = opened[:32], opened[32:128]
        vouch_nonce = os.urandom(16)
        vouch = _box(self.short_public + self.server_public, b"VOUCH---" + vouch_nonce,
                     self.server_short, secret)
        plain = public + vouch_nonce + vouch + zmtp.metadata(properties)
        short = self._next_nonce()
        box = _box(plain, b"CurveZMQINITIATE" + short, self.server_short, self.short_secret)
        self._send_frame(b"\x08INITIATE" + cookie + short + box, command=True)
        ready = self._command(b"READY")
        _unbox(ready[8:], b"CurveZMQREADY---" + ready[:8], self.server_short, self.short_secret)

    # Messages -------------------------------------------------------------

    def send(self, frames):
        for i, frame in enumerate(frames):
            more = 0x01 if i + 1 < len(frames) else 0x00
            short = self._next_nonce()
            box = _box(bytes([more]) + frame, b"CurveZMQMESSAGEC" + short, self.server_short,
                       self.short_secret)
            self._send_frame(b"\x07MESSAGE" + short + box)

    def recv(self, timeout=5.0):
        """The next multipart message as a list of frames; None on timeout."""
        deadline = time.time() + timeout
        frames = []
        while True:
            left = deadline - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                _, body = self._read_frame()
            except socket.timeout:
                return None
            if not body.startswith(b"\x07MESSAGE"):
                continue
            plain = _unbox(body[16:], b"CurveZMQMESSAGES" + body[8:16], self.server_short,
                           self.short_secret)
            frames.append(plain[1:])
            if not plain[0] & 0x01:
                return frames

    def close(self):
        self.sock.close()
