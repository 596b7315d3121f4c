#!/usr/bin/env bash
# Install everything the tests need and run them all (the README's second command; .ci/run runs it).
# Debian, Python 3.11, root. Installs: Debian's chromium + fonts-noto-cjk (browser tests, Chinese text),
# gdal-bin (gdaldem reference for slope/hillshade), postgresql (logbook tests on a real server);
# then the package with its test extras. Starts PostgreSQL for the run and stops it afterwards.
# Runs ruff and mypy before pytest; either failing fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in chromium fonts-noto-cjk gdal-bin postgresql; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

echo "== installing sar_planner with test extras"
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'

# PostgreSQL: start Debian's cluster, create the test role and database (idempotent), stop at exit.
pg_started=""
if command -v pg_lsclusters >/dev/null; then
  if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
    ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
    pg_createcluster "$ver" main >/dev/null
  fi
  read -r ver name _port status _rest < <(pg_lsclusters -h | head -1)
  if [ "$status" != "online" ]; then
    pg_ctlcluster "$ver" "$name" start
    pg_started="$ver $name"
  fi
  port=$(pg_lsclusters -h | head -1 | awk '{print $3}')
  su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sar') THEN
    CREATE ROLE sar LOGIN PASSWORD 'sar' CREATEDB;
  END IF;
END $$;
-- The tests drop their throw-away databases WITH (FORCE). On PostgreSQL 15 that refuses when an autovacuum
-- worker happens to be in the database ("must be a member of the role whose process is being terminated or
-- member of pg_signal_backend"): the worker has no role the test role is a member of. This grant lets the
-- test role end it. GRANT is idempotent.
GRANT pg_signal_backend TO sar;
SQL
  su postgres -c "psql -q -p $port -tc \"SELECT 1 FROM pg_database WHERE datname = 'sar_test'\"" | grep -q 1 \
    || su postgres -c "createdb -p $port -O sar sar_test"
  export SAR_PLANNER_TEST_PG_URL="postgresql+psycopg://sar:sar@127.0.0.1:$port/sar_test"
fi
cleanup() { if [ -n "$pg_started" ]; then pg_ctlcluster $pg_started stop || true; fi; }
trap cleanup EXIT

# Lint and types first (configured in pyproject.toml): a finding fails the run before any test.
echo "== ruff check"
python3 -m ruff check
echo "== mypy"
python3 -m mypy

echo "== running the tests"
set +e
python3 -m pytest "$@"
rc=$?
set -e
if [ $rc -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit $rc
