"""A backend whose MQTT link dies and never comes back: the seed failure.

On start it connects to the broker (MQTT_HOST:1883, MQTT 3.1.1 CONNECT, retried
every second until the first CONNACK), then keeps the link alive with PINGREQ
every second. Once the link is lost it stays down: like the real app, it does
not reconnect; only a restart brings it back. GET /api/health answers
  200 {"mqtt": {"connected": true}}    while the link is up,
  503 {"mqtt": {"connected": false}}   before the first connect and after a loss.
Pure python3 (no MQTT library): the packets are four fixed byte strings.
"""
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = os.environ.get("MQTT_HOST", "mosquitto")
state = {"connected": False, "lost": False}


def connect_packet(client_id):
    cid = client_id.encode()
    # variable header: protocol name "MQTT", level 4, flags clean session, keepalive 5 s
    body = struct.pack("!H4sBBH", 4, b"MQTT", 4, 0x02, 5) + struct.pack("!H", len(cid)) + cid
    return bytes([0x10, len(body)]) + body


def link():
    client_id = "backend-%d" % os.getpid()
    while True:  # until the first CONNACK
        try:
            s = socket.create_connection((HOST, 1883), timeout=2)
            s.sendall(connect_packet(client_id))
            ack = s.recv(4)
            if len(ack) == 4 and ack[0] == 0x20 and ack[3] == 0:
                break
            s.close()
        except OSError as e:
            print("mqtt: connect failed: %s" % e, flush=True)
        time.sleep(1)
    state["connected"] = True
    print("mqtt: connected to %s:1883" % HOST, flush=True)
    try:
        s.settimeout(3)
        while True:
            time.sleep(1)
            s.sendall(b"\xc0\x00")  # PINGREQ
            if s.recv(2) != b"\xd0\x00":  # PINGRESP; b"" when the broker is gone
                raise OSError("no PINGRESP")
    except OSError as e:
        state["connected"] = False
        state["lost"] = True
        print("mqtt: link lost (%s); not reconnecting" % e, flush=True)


class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/api/health":
            self.send_error(404)
            return
        body = json.dumps({"mqtt": {"connected": state["connected"]}}).encode()
        self.send_response(200 if state["connected"] else 503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("http: " + fmt % args, flush=True)


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # PID 1: no default handler
threading.Thread(target=link, daemon=True).start()
print("backend: listening on :8080", flush=True)
ThreadingHTTPServer(("0.0.0.0", 8080), Health).serve_forever()
