#!/usr/bin/env python3
"""What hostile clients cost the server, in figures (a benchmark: it prints, it never fails).

    tools/bench/hostile.py [SERVER_BIN]   (default: build/qovery-job-secret-mcp)

Starts the server with --sandbox and, for each case, prints what a legitimate
client sees and the server's memory peak (VmHWM, read from /proc after each
case; the peak only grows, so each case's figure is the peak so far, and the
growth it caused is given beside it):

1. slow: 600 connections from 127.0.0.1 that send a request head a byte a
   second; meanwhile a client from 127.0.0.2 makes 200 requests, one at a time
   on new connections: their latency (p50, p99, max).
2. header flood: 4 connections each try to send 50 MB of header lines.
3. nested bodies: 8 bodies of 4 MiB of [[[...]]] at once.
4. chunked flood: 2 chunked bodies of 40 MiB.
5. initialize flood: 20,000 initialize requests (sessions) in a row.

Then a second server, pointed by --api-url at a hostile Qovery (a raw socket
server of this script), gets one REST list call per kind of hostile answer,
and prints what the call got, how long it took and its memory peak:

6. a 200 MB header block; 7. a 200 MB body; 8. a gzip body that inflates
from 200 kB to 200 MiB.
"""

import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "qovery-job-secret-mcp")
MIB = 1024 * 1024


def status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def connect(port, source=None):
    s = socket.socket()
    if source:
        s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s, limit=10.0):
    s.settimeout(limit)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionError):
        pass
    return data


def post(body, session=None):
    head = ("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Accept: application/json, text/event-stream\r\nConnection: close\r\n")
    if session:
        head += f"Mcp-Session-Id: {session}\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


INITIALIZE = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {},
    "clientInfo": {"name": "bench", "version": "1"}}}).encode()


def main():
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
    server = subprocess.Popen([SERVER, "--sandbox", "--mcp-port", "0", "--rest-port", "0"],
                              stderr=subprocess.PIPE, text=True)
    port = None
    for line in server.stderr:
        if "MCP endpoint http://" in line:
            port = int(line.split("/mcp")[0].rsplit(":", 1)[1])
            break
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
    pid = server.pid
    base = status(pid, "VmRSS")
    peak_before = status(pid, "VmHWM")
    print(f"server {SERVER} pid {pid}: VmRSS at start {base} kB")

    def report(name, extra=""):
        nonlocal peak_before
        peak = status(pid, "VmHWM")
        print(f"  {name}: VmHWM {peak} kB (+{peak - peak_before} kB), VmRSS after "
              f"{status(pid, 'VmRSS')} kB{extra}")
        peak_before = peak

    # 1. slow connections
    slow = []
    for _ in range(600):
        s = connect(port)
        s.sendall(b"POST /mcp HTTP/1.1\r\n")
        slow.append(s)
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            for s in slow:
                try:
                    s.send(b"X")
                except OSError:
                    pass
            time.sleep(1)
    threading.Thread(target=trickle, daemon=True).start()
    time.sleep(0.5)
    latencies = []
    for _ in range(200):
        start = time.monotonic()
        s = connect(port, "127.0.0.2")
        s.sendall(post(INITIALIZE))
        answer = read_all(s)
        s.close()
        latencies.append((time.monotonic() - start) * 1000)
        assert answer.startswith(b"HTTP/1.1 200"), answer[:100]
    latencies.sort()
    stop.set()
    for s in slow:
        s.close()
    print("1. 600 slow connections from 127.0.0.1 (256 taken in, 344 answered 503); "
          "200 initialize from 127.0.0.2, each on a new connection:")
    print(f"  latency ms: p50 {statistics.median(latencies):.2f}, "
          f"p99 {latencies[int(len(latencies) * 0.99) - 1]:.2f}, max {latencies[-1]:.2f}")
    report("memory")

    # 2. header flood
    def header_flood():
        s = connect(port)
        s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        block = (b"X-Pad: " + b"a" * 1000 + b"\r\n") * 64
        sent = 0
        try:
            while sent < 50 * MIB:
                s.sendall(block)
                sent += len(block)
        except OSError:
            pass
        read_all(s, 5)
        s.close()
    run_together(header_flood, 4)
    print("2. 4 connections each sending 50 MB of header lines (each answered 431):")
    report("memory")

    # 3. nested bodies
    session = initialize(port)
    nested = b"[" * (2 * MIB - 32) + b"]" * (2 * MIB - 32)

    def nested_body():
        s = connect(port)
        s.sendall(post(nested, session))
        read_all(s)
        s.close()
    run_together(nested_body, 8)
    print("3. 8 bodies of 4 MiB of [[[...]]] at once (each refused at 64 levels):")
    report("memory")

    # 4. chunked flood
    def chunked_flood():
        s = connect(port)
        s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"100000\r\n" + b" " * MIB + b"\r\n"
        try:
            for _ in range(40):
                s.sendall(chunk)
        except OSError:
            pass
        read_all(s, 5)
        s.close()
    run_together(chunked_flood, 2)
    print("4. 2 chunked bodies of 40 MiB (each answered 413 past 4 MiB):")
    report("memory")

    # 5. initialize flood
    start = time.monotonic()
    for _ in range(20000):
        s = connect(port)
        s.sendall(post(INITIALIZE))
        read_all(s)
        s.close()
    print(f"5. 20,000 initialize in a row ({time.monotonic() - start:.1f} s; sessions capped by "
          "--max-sessions, the never-used ones evicted first):")
    report("memory")
    time.sleep(3)
    print(f"  VmRSS 3 s after the last case: {status(pid, 'VmRSS')} kB")
    server.terminate()
    server.wait()
    hostile_upstream()


def hostile_answers():
    """The hostile answers, each a generator of byte blocks, by name."""
    pad = (b"X-Pad: " + b"p" * 1000 + b"\r\n") * 64

    def header_block():
        yield b"HTTP/1.1 200 OK\r\n"
        for _ in range(200 * MIB // len(pad)):
            yield pad

    def body():
        yield b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        block = b" " * MIB
        for _ in range(200):
            yield block

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = packer.compress(b" " * (200 * MIB)) + packer.flush()

    def gzip_body():
        yield (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
               b"Content-Length: " + str(len(bomb)).encode() + b"\r\n\r\n" + bomb)

    return {"6. a 200 MB header block": header_block, "7. a 200 MB body": body,
            "8. a gzip body of 200 MiB inflated": gzip_body}


def hostile_upstream():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    answers = hostile_answers()
    current = {"answer": None}

    def serve():
        while True:
            conn, _ = listener.accept()
            try:
                conn.recv(65536)
                for block in current["answer"]():
                    conn.sendall(block)
            except OSError:
                pass
            conn.close()
    threading.Thread(target=serve, daemon=True).start()

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    rest_port = probe.getsockname()[1]
    probe.close()
    environment = dict(os.environ, QOVERY_API_KEY="qov_bench")
    server = subprocess.Popen(
        [SERVER, "--api-url", f"http://127.0.0.1:{listener.getsockname()[1]}", "--mcp-port", "0",
         "--rest-port", str(rest_port), "--deadline", "30"],
        stderr=subprocess.PIPE, text=True, env=environment)
    for line in server.stderr:
        if "REST" in line:
            break
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
    pid = server.pid
    peak_before = status(pid, "VmHWM")
    print(f"hostile Qovery: server pid {pid} with --api-url at it, VmRSS at start "
          f"{status(pid, 'VmRSS')} kB; one REST list call each:")
    job = "00000000-0000-0000-0000-000000000001"
    for name, answer in answers.items():
        current["answer"] = answer
        start = time.monotonic()
        s = connect(rest_port)
        s.sendall(f"GET /v1/job/{job}/secret HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Connection: close\r\n\r\n".encode())
        reply = read_all(s, 60).decode(errors="replace")
        s.close()
        took = time.monotonic() - start
        detail = reply.split("\r\n\r\n", 1)[-1][:160]
        peak = status(pid, "VmHWM")
        print(f"{name}: {reply.split(chr(13))[0]} in {took:.2f} s, VmHWM {peak} kB "
              f"(+{peak - peak_before} kB): {detail}")
        peak_before = peak
    server.terminate()
    server.wait()


def initialize(port):
    s = connect(port)
    s.sendall(post(INITIALIZE))
    answer = read_all(s).decode(errors="replace")
    s.close()
    for line in answer.split("\r\n"):
        if line.lower().startswith("mcp-session-id:"):
            return line.split(":", 1)[1].strip()
    raise RuntimeError("no session: " + answer[:200])


def run_together(work, count):
    threads = [threading.Thread(target=work) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
