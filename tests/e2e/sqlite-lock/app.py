"""A gunicorn-style app on SQLite: /api/items reads the database with a long
busy timeout (BUSY_TIMEOUT, 30 s: a request handler waits for the lock, as a
Flask/Django view under gunicorn does), /health answers without it. Creates
the database with three items on start. Listens on :8080."""
import http.server, json, os, sqlite3, sys, time

DB = os.environ.get("DB", "/data/app.db")
BUSY = float(os.environ.get("BUSY_TIMEOUT", "30"))


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (time.time() % 1 * 1000)


conn = sqlite3.connect(DB)
conn.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT)")
if conn.execute("SELECT count(*) FROM items").fetchone()[0] == 0:
    conn.executemany("INSERT INTO items (name) VALUES (?)", [("a",), ("b",), ("c",)])
conn.commit()
conn.close()


class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status, body = 404, {}
        if self.path == "/health":
            status, body = 200, {"ok": True}
        elif self.path.startswith("/api/items"):
            t0 = time.monotonic()
            try:
                db = sqlite3.connect(DB, timeout=BUSY)
                n = db.execute("SELECT count(*) FROM items").fetchone()[0]
                db.close()
                status, body = 200, {"ok": True, "items": n}
            except sqlite3.OperationalError as e:
                status, body = 500, {"ok": False, "error": str(e)}
            # One write per line: handler threads finish together when the lock goes.
            sys.stdout.write(f"{now()} app: /api/items -> {status} after {time.monotonic() - t0:.1f}s\n")
            sys.stdout.flush()
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("0.0.0.0", 8080), H)
print(f"{now()} app: listening on :8080 ({DB})", flush=True)
srv.serve_forever()
