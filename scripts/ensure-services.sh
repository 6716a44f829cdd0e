#!/usr/bin/env bash
# Make sure the tests' real components are here: Debian's Chromium and a
# running PostgreSQL on 127.0.0.1:5432. Installs Debian packages when absent
# (as root, or with sudo). Under CI=true anything missing is an error;
# elsewhere a missing PostgreSQL is a visible notice and its run is skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
rm -f var/.postgres-available
ci=${CI:-false}
only_pg=false
[ "${1:-}" = "--postgres-only" ] && only_pg=true

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}
apt_updated=false
apt_install() {
    if ! $apt_updated; then as_root apt-get update -qq >/dev/null 2>&1; apt_updated=true; fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null 2>&1
}
fail_or_notice() {
    if [ "$ci" = true ]; then echo "ERROR: $1 (required under CI)"; exit 1; fi
    echo "NOTICE: $1"
}

if ! $only_pg && [ ! -x /usr/bin/chromium ]; then
    echo "Installing Debian's chromium for the browser tests..."
    apt_install chromium || true
    [ -x /usr/bin/chromium ] || fail_or_notice "Chromium could not be installed; browser tests will be skipped"
fi

pg_ready() {
    .venv/bin/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3).close()
PY
}

if ! pg_ready; then
    if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
        echo "Installing Debian's postgresql..."
        if apt_install postgresql; then
            # A fresh Debian cluster wants passwords on TCP; the tests use the
            # machines' convention (user postgres, trust on 127.0.0.1).
            for hba in /etc/postgresql/*/main/pg_hba.conf; do
                as_root sed -i -E 's#^(host\s+all\s+all\s+127\.0\.0\.1/32\s+)\S+#\1trust#' "$hba"
            done
        fi
    fi
    if command -v pg_ctlcluster >/dev/null && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do pg_ready && break; sleep 1; done
        if pg_ready && ! as_root true 2>/dev/null; then :; fi
    fi
fi
if pg_ready; then
    touch var/.postgres-available
    for tool in pg_dump pg_restore; do
        command -v $tool >/dev/null || apt_install postgresql-client || true
    done
else
    fail_or_notice "PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth) is not reachable; the PostgreSQL run is skipped"
    $only_pg && exit 1
fi
exit 0
