#!/usr/bin/env bash
# Runs the whole check that `npm test` and CI run: installs the test peers, type-checks the
# project, runs the Bun tests under test/ and src/, and prints a closing line of the form
# `tests: N passed, N failed, N skipped`.
#
# Usage: bash scripts/test.sh [bun test arguments]
# Arguments, if any, go to `bun test` in place of the default paths ./test and ./src, for
# example `npm test -- ./test/harness-smoke.test.ts`.
#
# Environment:
#   S3GW_TEST_TIMEOUT_MS  per-test timeout in milliseconds (default 120000, because the
#                         end-to-end tests start servers and a browser)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

results_dir="$repo_root/test-results"
junit_file="$results_dir/junit.xml"
timeout_ms="${S3GW_TEST_TIMEOUT_MS:-120000}"

bash scripts/install-test-peers.sh

# The installer writes the variables that the tests read, such as S3GW_TEST_PYTHON.
set -a
# shellcheck source=/dev/null
source .cache/test-peers.env
set +a

echo "test.sh: type-checking with tsc"
node_modules/.bin/tsc --noEmit -p .

if (($# > 0)); then
  test_paths=("$@")
else
  test_paths=()
  for directory in ./test ./src; do
    if [[ -d "$directory" ]]; then
      test_paths+=("$directory")
    fi
  done
fi

# Bun does not create the report's directory, and a report left by an earlier run must
# not be counted if this run ends before writing its own.
mkdir -p "$results_dir"
rm -f "$junit_file"

echo "test.sh: running bun test ${test_paths[*]}"
runner_status=0
node_modules/.bin/bun test \
  --timeout "$timeout_ms" \
  --reporter=junit \
  --reporter-outfile="$junit_file" \
  "${test_paths[@]}" ||
  runner_status=$?

node_modules/.bin/bun scripts/test-summary.ts "$junit_file" "$runner_status"
