"""A small HTTP/1.1 server: one thread per connection, keep-alive, each response sent in a single write.

Hand-written instead of http.server because its per-request overhead (email header parser, several
writes per response) made it slower than FastAPI+uvicorn; see bench/wrapper.ts.
"""
from __future__ import annotations

import logging
import socket
import threading
from email.utils import formatdate
from http import HTTPStatus
from time import time
from typing import Callable, Iterable, Optional, Tuple

from racetrack_job_wrapper.context import Headers, Request

logger = logging.getLogger('racetrack_job_wrapper')

# (status, body, content type, extra headers)
Response = Tuple[int, bytes, str, Iterable[Tuple[str, str]]]
Handler = Callable[[Request], Response]

MAX_HEAD_BYTES = 64 * 1024
IDLE_TIMEOUT_SECONDS = 300
REASONS = {s.value: s.phrase for s in HTTPStatus}


class BadRequest(Exception):
    pass


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


def inherited_listener(fd: int) -> socket.socket:
    """A listening socket the supervisor opened and handed down as fd (how a local sandbox receives its calls)."""
    sock = socket.socket(fileno=fd)
    sock.setblocking(True)  # the supervisor's event loop left it non-blocking
    sock.set_inheritable(False)  # what the job runs must not keep it listening after the job is gone
    return sock


class HttpServer:
    def __init__(self, listener: socket.socket, handle: Callable[[Request], Response], split_prefix: Callable[[str], Tuple[str, str]]):
        self._sock = listener
        self.host: str = listener.getsockname()[0]
        self.port: int = listener.getsockname()[1]
        self._handle = handle
        self._split_prefix = split_prefix
        self._date = ('', 0)
        self._active = 0  # requests being handled now
        self._idle = threading.Condition()
        self._draining = False

    def start(self) -> None:
        threading.Thread(target=self._accept_loop, name='http-accept', daemon=True).start()

    def drain(self, timeout: float) -> bool:
        """Stops accepting, answers what is in flight (closing each connection after its answer) and
        returns once nothing is, or after timeout; True when everything in flight was answered."""
        self._draining = True
        try:
            # ends listening for every holder of the socket (a sandbox's outer processes hold copies), not just this fd
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    def _accept_loop(self) -> None:
        while not self._draining:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                if not self._draining:
                    logger.exception('accept failed')
                continue
            threading.Thread(target=self._serve_connection, args=(conn,), daemon=True).start()

    def _begin(self) -> None:
        with self._idle:
            self._active += 1

    def _end(self) -> None:
        with self._idle:
            self._active -= 1
            if self._active == 0:
                self._idle.notify_all()

    def _serve_connection(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(IDLE_TIMEOUT_SECONDS)
        recv = conn.recv
        buf = b''
        try:
            while True:
                end = buf.find(b'\r\n\r\n')
                while end < 0:
                    if len(buf) > MAX_HEAD_BYTES:
                        conn.sendall(self._encode(431, b'', 'text/plain', (), False))
                        return
                    chunk = recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                    end = buf.find(b'\r\n\r\n')
                head = buf[:end].decode('latin-1')
                buf = buf[end + 4:]
                self._begin()
                try:
                    try:
                        request, keep_alive, buf = self._read_request(conn, head, buf)
                    except BadRequest as e:
                        body = ('{"error": "%s", "type": "BadRequest"}' % e).encode()
                        conn.sendall(self._encode(400, body, 'application/json', (), False))
                        return
                    status, body, content_type, headers = self._handle(request)
                    keep_alive = keep_alive and not self._draining
                    if request.method == 'HEAD':
                        body_len, body = len(body), b''
                        conn.sendall(self._encode(status, body, content_type, headers, keep_alive, body_len))
                    else:
                        conn.sendall(self._encode(status, body, content_type, headers, keep_alive))
                finally:
                    self._end()
                if not keep_alive:
                    return
        except OSError:  # client went away or idle timeout
            pass
        finally:
            conn.close()

    def _read_request(self, conn: socket.socket, head: str, buf: bytes) -> Tuple[Request, bool, bytes]:
        lines = head.lstrip('\r\n').split('\r\n')
        parts = lines[0].split(' ')
        if len(parts) != 3 or not parts[2].startswith('HTTP/1.'):
            raise BadRequest('malformed request line')
        method, target, version = parts
        headers = Headers()
        for line in lines[1:]:
            name, sep, value = line.partition(':')
            if not sep:
                raise BadRequest('malformed header line')
            headers[name.strip().lower()] = value.strip()

        if 'chunked' in headers.get('transfer-encoding', '').lower():
            body, buf = _read_chunked(conn, buf)
        else:
            try:
                length = int(headers.get('content-length') or 0)
            except ValueError:
                length = -1
            if length < 0:
                raise BadRequest('invalid Content-Length')
            if length > len(buf) and headers.get('expect', '').lower() == '100-continue':
                conn.sendall(b'HTTP/1.1 100 Continue\r\n\r\n')
            body, buf = _read_exact(conn, buf, length)

        connection = headers.get('connection', '').lower()
        keep_alive = connection != 'close' if version == 'HTTP/1.1' else connection == 'keep-alive'
        path, _, query = target.partition('?')
        prefix, path = self._split_prefix(path)
        return Request(method, path, query, headers, body, prefix), keep_alive, buf

    def _encode(self, status: int, body: bytes, content_type: str, headers: Iterable[Tuple[str, str]],
                keep_alive: bool, content_length: Optional[int] = None) -> bytes:
        now = int(time())
        date, at = self._date
        if at != now:
            date = formatdate(now, usegmt=True)
            self._date = (date, now)
        head = 'HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n' % (
            status, REASONS.get(status, ''), date, content_type,
            len(body) if content_length is None else content_length)
        for name, value in headers:
            head += '%s: %s\r\n' % (name, value)
        if not keep_alive:
            head += 'Connection: close\r\n'
        return (head + '\r\n').encode('latin-1') + body


def _read_exact(conn: socket.socket, buf: bytes, length: int) -> Tuple[bytes, bytes]:
    if len(buf) >= length:
        return buf[:length], buf[length:]
    parts = [buf]
    have = len(buf)
    while have < length:
        chunk = conn.recv(max(65536, length - have))
        if not chunk:
            raise OSError('connection closed mid-body')
        parts.append(chunk)
        have += len(chunk)
    data = b''.join(parts)
    return data[:length], data[length:]


def _read_line(conn: socket.socket, buf: bytes) -> Tuple[bytes, bytes]:
    end = buf.find(b'\r\n')
    while end < 0:
        if len(buf) > MAX_HEAD_BYTES:
            raise BadRequest('chunk header too long')
        chunk = conn.recv(65536)
        if not chunk:
            raise OSError('connection closed mid-body')
        buf += chunk
        end = buf.find(b'\r\n')
    return buf[:end], buf[end + 2:]


def _read_chunked(conn: socket.socket, buf: bytes) -> Tuple[bytes, bytes]:
    parts = []
    while True:
        line, buf = _read_line(conn, buf)
        try:
            size = int(line.split(b';', 1)[0].strip(), 16)
        except ValueError:
            raise BadRequest('invalid chunk size') from None
        if size == 0:
            break
        data, buf = _read_exact(conn, buf, size + 2)
        parts.append(data[:size])
    while True:  # trailers end with an empty line
        line, buf = _read_line(conn, buf)
        if not line:
            return b''.join(parts), buf
