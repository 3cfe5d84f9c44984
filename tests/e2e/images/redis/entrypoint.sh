#!/bin/bash
set -eu
[ "${E2E_START_DELAY:-0}" != 0 ] && sleep "$E2E_START_DELAY"
args=(--bind 0.0.0.0 --protected-mode no --dir /data --save "" --appendonly no)
[ -n "${REDIS_PASSWORD:-}" ] && args+=(--requirepass "$REDIS_PASSWORD")
exec redis-server "${args[@]}" "$@"
