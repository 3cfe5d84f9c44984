"""The second process: takes SQLite's write lock with BEGIN EXCLUSIVE and
holds it (a stuck migration, a long write transaction) until /tmp/unlock
exists or LIMIT seconds pass; /tmp/locked exists while it holds the lock.

  python3 hold_lock.py /data/app.db LIMIT"""
import os, sqlite3, sys, time

db, limit = sys.argv[1], float(sys.argv[2])
conn = sqlite3.connect(db, isolation_level=None, timeout=10)
conn.execute("BEGIN EXCLUSIVE")
conn.execute("INSERT INTO items (name) VALUES ('held')")
open("/tmp/locked", "w").close()
end = time.monotonic() + limit
while time.monotonic() < end and not os.path.exists("/tmp/unlock"):
    time.sleep(0.1)
conn.execute("ROLLBACK")
conn.close()
os.remove("/tmp/locked")
