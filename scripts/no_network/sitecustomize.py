"""Offline guard: with this folder on PYTHONPATH, Python refuses every network connection that leaves this machine.

Python imports `sitecustomize` at start-up, so a kernel started with PYTHONPATH pointing here runs a notebook as if
the machine had no network: a download (a data set, model weights, a font, a pip install) fails with
NetworkBlockedError instead of quietly working. Loopback (the kernel's own channels) and Unix sockets stay allowed.
Each refused attempt is also appended to the file named by $NO_NETWORK_LOG, if set.
Used by scripts/reproducible.py and tests/test_reproducible.py.
"""
import os
import socket

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""}


class NetworkBlockedError(ConnectionRefusedError):
    pass


def _is_local(host):
    host = str(host).strip("[]").lower()
    return (host in _LOCAL_NAMES or host.startswith("127.") or host in ("::1", "0.0.0.0", "::")
            or host.startswith("::ffff:127."))


def _refuse(what, host):
    log = os.environ.get("NO_NETWORK_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()} {what} {host}\n")
    raise NetworkBlockedError(f"network access is blocked while checking that the course runs offline: {what} {host}")


def _check(address, what):
    if isinstance(address, tuple) and address and not _is_local(address[0]):
        _refuse(what, address[0])


_connect, _connect_ex, _sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
_getaddrinfo = socket.getaddrinfo


def connect(self, address):
    _check(address, "connect")
    return _connect(self, address)


def connect_ex(self, address):
    _check(address, "connect")
    return _connect_ex(self, address)


def sendto(self, data, *args):
    _check(args[-1], "sendto")
    return _sendto(self, data, *args)


def getaddrinfo(host, *args, **kwargs):
    if host is not None and not _is_local(host if isinstance(host, str) else host.decode()):
        _refuse("resolve", host)
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
socket.getaddrinfo = getaddrinfo
