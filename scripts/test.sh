#!/usr/bin/env bash
# npm test: the whole suite on SQLite, then the whole suite again on PostgreSQL + Redis.
# The second run needs both services (PINBOX_TEST_DATABASE_URL, default
# postgres://127.0.0.1:5432/test; PINBOX_TEST_REDIS_URL, default redis://127.0.0.1:6379);
# where they cannot be reached it is skipped, loudly, unless PINBOX_REQUIRE_POSTGRES=1
# (CI), which makes that a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-debian-tools.sh
npm run build
mapfile -t files < <(find src test -name '*.test.ts' | sort)
backends="${PINBOX_TEST_BACKENDS:-sqlite postgres}"
for backend in $backends; do
  case "$backend" in
    sqlite)
      echo "== the suite on SQLite =="
      PINBOX_TEST_BACKEND=sqlite node --import tsx --test --test-concurrency=2 "${files[@]}"
      ;;
    postgres)
      if ! node --import tsx scripts/prepare-test-backends.ts; then
        if [ "${PINBOX_REQUIRE_POSTGRES:-0}" = "1" ]; then
          echo "!! the PostgreSQL + Redis run cannot start and PINBOX_REQUIRE_POSTGRES=1: failing" >&2
          exit 1
        fi
        echo "!!!!!!!! SKIPPED: the suite on PostgreSQL + Redis (services not reachable, see above) !!!!!!!!" >&2
        continue
      fi
      echo "== the suite on PostgreSQL + Redis =="
      PINBOX_TEST_BACKEND=postgres node --import tsx --test --test-concurrency=2 "${files[@]}"
      ;;
    *)
      echo "unknown backend '$backend' in PINBOX_TEST_BACKENDS (sqlite, postgres)" >&2
      exit 2
      ;;
  esac
done
