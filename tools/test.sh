#!/usr/bin/env bash
# The test command (README and CI run exactly this).
#   bash tools/test.sh            everything: contract checks, build, all test projects
#   bash tools/test.sh --filter X passes --filter X to dotnet test
# Needs: .NET 10 SDK, Node.js + npm (buf), PostgreSQL server binaries (Debian: postgresql).
# Uses $CHONGQINGVET_TEST_POSTGRES when set; otherwise starts a throwaway PostgreSQL cluster and removes it at exit.
# Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

passed=0
failed=0
results="$root/TestResults"
rm -rf "$results"
mkdir -p "$results"

stop_postgres() {
  if [ -n "${started_pg:-}" ]; then
    if [ "$(id -u)" = "0" ]; then
      su postgres -s /bin/bash -c "'$CHONGQINGVET_PG_BIN/pg_ctl' -D '$CHONGQINGVET_PG_DIR' -m immediate stop" >/dev/null 2>&1
    else
      "$CHONGQINGVET_PG_BIN/pg_ctl" -D "$CHONGQINGVET_PG_DIR" -m immediate stop >/dev/null 2>&1
    fi
    rm -rf "$(dirname "$CHONGQINGVET_PG_DIR")"
  fi
}
trap stop_postgres EXIT

if [ -z "${CHONGQINGVET_TEST_POSTGRES:-}" ]; then
  echo "== starting a throwaway PostgreSQL"
  if pg_env=$(bash tools/start-test-postgres.sh); then
    eval "$pg_env"
    started_pg=1
    export CHONGQINGVET_TEST_POSTGRES
  else
    echo "could not start PostgreSQL; PostgreSQL tests will fail" >&2
  fi
fi

step() { # name, command...: a check outside dotnet test counts as one test
  local name=$1; shift
  echo "== $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name"; fi
}

# Install the npm tools when missing or when the lock file changed since they were installed.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
step "contracts: buf lint and buf breaking against the baseline" bash tools/check-contracts.sh

echo "== dotnet build"
if ! dotnet build ChongqingVet.Services.sln -c Release -nologo -clp:ErrorsOnly; then
  failed=$((failed + 1))
  echo "FAILED: build"
  echo "$passed passed, $failed failed"
  exit 1
fi

# The container build runs exactly this publish (deploy/docker/Dockerfile); prove it works for every deployable.
publish_all() {
  local out project ok=0
  out=$(mktemp -d)
  for project in services/ChongqingVet.Certificates services/ChongqingVet.Competitions services/ChongqingVet.Courses \
                 services/ChongqingVet.JobPostings services/ChongqingVet.Insights gateway/ChongqingVet.Gateway; do
    grep -q "$(basename "$project").csproj" ChongqingVet.Services.sln || continue
    if dotnet publish "$project" -c Release -a x64 --self-contained false -o "$out/$(basename "$project")" -nologo -v quiet >/dev/null \
       && [ -x "$out/$(basename "$project")/$(basename "$project")" ]; then
      echo "published $project"
    else
      echo "publish failed: $project"; ok=1
    fi
  done
  rm -rf "$out"
  return $ok
}
step "container publish of every deployable (Dockerfile arguments)" publish_all

run_tests() { # dotnet test arguments...
  # A test that hangs fails after 10 minutes and is named (blame), instead of holding the run until CI's limit.
  dotnet test "$@" -c Release --no-build -nologo --blame-hang-timeout 10m --blame-hang-dump-type none \
    --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" || test_exit=$?
}
test_exit=0
# The suite and reliability tests start many real processes each and time their probes: they run one project at a
# time, after the in-memory projects (which dotnet test runs in parallel), so they never compete with each other.
process_projects=(tests/ChongqingVet.Reliability.Tests tests/ChongqingVet.Suite.Tests)
echo "== dotnet test"
if [ $# -gt 0 ]; then
  run_tests ChongqingVet.Services.sln "$@"
else
  run_tests ChongqingVet.Services.sln --filter "FullyQualifiedName!~ChongqingVet.Reliability.Tests&FullyQualifiedName!~ChongqingVet.Suite.Tests"
  for project in "${process_projects[@]}"; do
    echo "== dotnet test $project"
    run_tests "$project"
  done
fi

trx_count=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  trx_count=$((trx_count + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
if [ "$trx_count" -eq 0 ] || { [ "$test_exit" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
  # dotnet test failed without reporting a failed test (crash, abort): count it.
  failed=$((failed + 1))
  echo "FAILED: dotnet test exited $test_exit"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
