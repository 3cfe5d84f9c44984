#!/bin/bash
# Like the official image: arguments are redis-server options
# (`command: ["redis-server", "--requirepass", "x"]` or `["--requirepass", "x"]`).
set -eu
[ "${E2E_START_DELAY:-0}" != 0 ] && sleep "$E2E_START_DELAY"
[ "${1:-}" = redis-server ] && shift
args=(--bind 0.0.0.0 --protected-mode no --dir /data --save "" --appendonly no)
[ -n "${REDIS_PASSWORD:-}" ] && args+=(--requirepass "$REDIS_PASSWORD")
exec redis-server "${args[@]}" "$@"
