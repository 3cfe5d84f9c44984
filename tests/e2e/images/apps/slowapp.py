"""An HTTP app that boots slowly (like gunicorn importing a big app): sleeps
APP_DELAY seconds, then serves /api/config and /health on :8080."""
import http.server, json, os, time


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (time.time() % 1 * 1000)


delay = float(os.environ.get("APP_DELAY", "20"))
print(f"{now()} slowapp: booting ({delay:.0f}s)", flush=True)
time.sleep(delay)


class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path in ("/api/config", "/health"):
            body = json.dumps({"feature_flags": {"new_ui": True}, "ready": True}).encode()
            self.send_response(200)
        else:
            body = b"{}"
            self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), H)
print(f"{now()} slowapp: listening on :8080", flush=True)
srv.serve_forever()
