"""A loopback TCP proxy in front of a real PostgreSQL or MariaDB server that fails one COMMIT
after the server has carried it out: the exact failure issue 21 is about, which no SQL can
produce on its own.

It forwards bytes both ways and reads the client's side only to count statements: once it has
seen `after_deletes` DELETE statements on a connection, the next COMMIT is forwarded, the
server's answer is read (so the server has committed), and then either
- `drop`: both sockets are closed and the answer never reaches the client (a connection lost
  in flight, a server restart), or
- `sigint`: SIGINT is delivered to the main thread, which is waiting for that answer inside the
  driver, before the answer is passed on (a Ctrl-C during the COMMIT).
"""

from __future__ import annotations

import select
import signal
import socket
import threading
from typing import Literal

# PostgreSQL's simple-query COMMIT ends with the string's NUL; MySQL's COM_QUERY is byte 0x03.
COMMIT = {"postgresql": b"COMMIT\x00", "mysql": b"\x03COMMIT"}
DELETE = b"DELETE FROM"


class FaultProxy:
    def __init__(
        self,
        upstream_port: int,
        *,
        engine: str,
        after_deletes: int,
        action: Literal["drop", "sigint"],
    ) -> None:
        self.upstream_port = upstream_port
        self.commit = COMMIT[engine]
        self.after_deletes = after_deletes
        self.action = action
        self.fired = threading.Event()
        self._lock = threading.Lock()
        self._main = threading.main_thread().ident
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _should_fire(self, stream: bytearray, start: int) -> bool:
        with self._lock:
            if self.fired.is_set():
                return False
            if self.commit in stream[start:] and stream.count(DELETE) >= self.after_deletes:
                self.fired.set()
                return True
        return False

    def _serve(self, client: socket.socket) -> None:
        server = socket.create_connection(("127.0.0.1", self.upstream_port))
        sent = bytearray()
        try:
            while True:
                ready, _, _ = select.select([client, server], [], [])
                if client in ready:
                    data = client.recv(65536)
                    if not data:
                        return
                    start = max(0, len(sent) - len(self.commit))
                    sent += data
                    server.sendall(data)
                    if self._should_fire(sent, start):
                        answer = server.recv(65536)  # the server has committed
                        if self.action == "drop":
                            return
                        assert self._main is not None
                        signal.pthread_kill(self._main, signal.SIGINT)
                        client.sendall(answer)
                if server in ready:
                    data = server.recv(65536)
                    if not data:
                        return
                    client.sendall(data)
        except OSError:
            return
        finally:
            client.close()
            server.close()
