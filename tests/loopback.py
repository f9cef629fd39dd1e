"""Servers the suite starts for itself on loopback, so `make test` needs nothing running."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(folder: Path, *, tries: int = 3) -> tuple[subprocess.Popen, str]:
    """A throwaway redis-server on a free loopback port, keeping nothing on disk, with its
    files in `folder`; returns the process and its URL. A port taken between choosing and
    binding is tried again."""
    binary = shutil.which("redis-server")
    if binary is None:  # a clear failure, never a skip: `make test` installs it
        pytest.fail("redis-server is required (Debian: apt-get install redis-server; "
                    "`make test` installs it).", pytrace=False)
    for _ in range(tries):
        port = free_port()
        process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder),
             "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
             "--logfile", str(folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if _answers(port, process):
            return process, f"redis://127.0.0.1:{port}"
        stop(process)
    pytest.fail(f"redis-server did not start:\n{(folder / 'redis.log').read_text()}",
                pytrace=False)


def _answers(port: int, process: subprocess.Popen, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                if connection.recv(7) == b"+PONG\r\n":
                    return True
        except OSError:
            time.sleep(0.05)
    return False


def stop(process: subprocess.Popen) -> None:
    """Stop the one process we started, by its PID."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
