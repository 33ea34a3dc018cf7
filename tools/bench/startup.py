#!/usr/bin/env python3
"""Start-up time: from exec of the server to (a) the first accepted TCP
connection on its MCP port and (b) the first HTTP answer on it. Repeats,
prints the medians in milliseconds.
Usage: startup.py REPEATS SERVER ARG...   (--mcp-port and --rest-port are appended)"""
import os
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


repeats, command = int(sys.argv[1]), sys.argv[2:]
accepted, answered = [], []
body = b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
request = (b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           b"Accept: application/json, text/event-stream\r\nConnection: close\r\n"
           b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
for _ in range(repeats):
    port = free_port()
    start = time.perf_counter_ns()
    process = subprocess.Popen(command + ["--mcp-port", str(port), "--rest-port", str(free_port())],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    connected = None
    while time.perf_counter_ns() - start < 5e9:
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", port))
            connected = time.perf_counter_ns()
            s.sendall(request)
            s.recv(4096)
            answered.append((time.perf_counter_ns() - start) / 1e6)
            accepted.append((connected - start) / 1e6)
            s.close()
            break
        except OSError:
            s.close()
            time.sleep(0.0002)
    process.terminate()
    process.wait()
    if connected is None:
        sys.exit("the server did not accept a connection within 5 s")
print(f"{statistics.median(accepted):.1f} {statistics.median(answered):.1f} "
      f"{min(accepted):.1f} {max(accepted):.1f}")
