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
# A file that never asks for the backend under test (test/backend.ts's onTestBackend,
# TEST_BACKEND or databaseUrlFor, the harness's useServer or startTestPinbox, test/cli.ts's
# startCli or runCli, which start pinbox on it) runs the same in both passes — the CLI's
# help, pure functions — so when the SQLite pass runs, the PostgreSQL pass leaves it out.
mapfile -t backend_files < <(grep -lE 'TEST_BACKEND|onTestBackend|useServer|databaseUrlFor|startTestPinbox|startCli|runCli|cliArgsOnTestBackend' "${files[@]}" | xargs grep -L '^// pinbox test: the SQLite pass only')
# A file marked 'pinbox test: the SQLite pass only' (the console's browser tests: the same page
# over either store, its calls tested on both elsewhere) is left out of the PostgreSQL pass too.

# This run's own schemas and Redis keys (a prefix no other run has) and its own
# temporary folder (every test file's temporary files, blob folders among them):
# removed when the run ends, however it ends, and nothing of another run is touched.
export PINBOX_TEST_SCHEMA_PREFIX="${PINBOX_TEST_SCHEMA_PREFIX:-pbt_$(date +%s)_$$_}"
run_tmp="$(mktemp -d -t pinbox-test-XXXXXX)"
export TMPDIR="$run_tmp"
postgres_ran=0
cleanup() {
  if [ "$postgres_ran" = "1" ]; then node --import tsx scripts/prepare-test-backends.ts >/dev/null 2>&1 || true; fi
  rm -rf "$run_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

backends="${PINBOX_TEST_BACKENDS:-sqlite postgres}"
for backend in $backends; do
  case "$backend" in
    sqlite)
      echo "== the suite on SQLite =="
      PINBOX_TEST_BACKEND=sqlite node --import tsx --test --test-concurrency=2 "${files[@]}"
      ;;
    postgres)
      postgres_ran=1
      if ! node --import tsx scripts/prepare-test-backends.ts; then
        if [ "${PINBOX_REQUIRE_POSTGRES:-0}" = "1" ]; then
          echo "!! the PostgreSQL + Redis run cannot start and PINBOX_REQUIRE_POSTGRES=1: failing" >&2
          exit 1
        fi
        echo "!!!!!!!! SKIPPED: the suite on PostgreSQL + Redis (services not reachable, see above) !!!!!!!!" >&2
        continue
      fi
      postgres_files=("${files[@]}")
      case " $backends " in *" sqlite "*) postgres_files=("${backend_files[@]}") ;; esac
      # The README's walk-through (about two minutes, one shell session, this pass only) starts
      # first, beside the others, rather than last, alone, after them.
      mapfile -t postgres_files < <(printf '%s\n' "${postgres_files[@]}" | grep -x 'test/readme.test.ts'; printf '%s\n' "${postgres_files[@]}" | grep -vx 'test/readme.test.ts')
      echo "== the suite on PostgreSQL + Redis (${#postgres_files[@]} of ${#files[@]} files: the rest do not use the backend and ran above) =="
      PINBOX_TEST_BACKEND=postgres node --import tsx --test --test-concurrency=2 "${postgres_files[@]}"
      ;;
    *)
      echo "unknown backend '$backend' in PINBOX_TEST_BACKENDS (sqlite, postgres)" >&2
      exit 2
      ;;
  esac
done
