"""A private redis-server on a free loopback port, for tests that stop and start Redis or need a queue and
counters no other test shares (never the shared one on 6379)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.support.live_server import free_port


class RedisServer:
    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.proc = None

    def start(self) -> RedisServer:
        from redis import Redis

        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",  # noqa: S607
                                      "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            client = Redis.from_url(self.url, socket_connect_timeout=0.5)
            try:
                if client.ping():
                    return self
            except Exception:  # noqa: BLE001 - not up yet
                assert time.time() < deadline, "redis-server did not start"
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
