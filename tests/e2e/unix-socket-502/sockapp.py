"""An app server on a unix socket, as gunicorn --bind unix:/run/app/app.sock:
serves /health and /api/config on SOCKET (default /run/app/app.sock), whose
mode is set to SOCKET_MODE (default 0600: only the app's own user may connect,
the classic nginx 502)."""
import http.server, json, os, socketserver, time

SOCKET = os.environ.get("SOCKET", "/run/app/app.sock")
MODE = int(os.environ.get("SOCKET_MODE", "0600"), 8)


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (time.time() % 1 * 1000)


class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path in ("/health", "/api/config"):
            status, body = 200, {"ok": True, "feature_flags": {"new_ui": True}}
        else:
            status, body = 404, {}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def address_string(self):
        return "unix"

    def log_message(self, *a):
        pass


class Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


if os.path.exists(SOCKET):
    os.remove(SOCKET)
srv = Server(SOCKET, H)
os.chmod(SOCKET, MODE)
print(f"{now()} sockapp: listening on {SOCKET} (mode {MODE:04o}, uid {os.getuid()})", flush=True)
srv.serve_forever()
