#!/usr/bin/env bash
# The one command that runs every test: the Rust tests (cargo), then the Python
# tests (pytest) against the extension built into a virtual environment, on
# the default python3 and on every other CPython >= 3.9 found on the machine.
#
#   bash tests/run.sh
#
# Needs Rust (cargo) and CPython >= 3.9 with venv/pip. Installs everything else
# (maturin, the `test` extra of pyproject.toml) into ./.venv (./.venv-3.X for the other interpreters).
# PYTHON=python3.12 picks the main interpreter; ALL_PYTHONS=0 tests only it.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

# rsyslog, for the real-syslog tests (tests/python/test_syslog.py): installed
# when missing if we are root on a Debian-like machine (apt-get), else those
# tests skip themselves.
if ! command -v rsyslogd >/dev/null 2>&1 && [ ! -x /usr/sbin/rsyslogd ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing rsyslog (for tests/python/test_syslog.py)"
        apt_install="env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rsyslog"
        $apt_install || { apt-get update -q && $apt_install; } \
            || echo "== rsyslog could not be installed: the rsyslog tests will be skipped"
    else
        echo "== rsyslogd not found (and not root with apt-get): the rsyslog tests will be skipped"
    fi
fi

echo "== cargo test (profile ci)"
cargo test --workspace --profile ci

# Builds the extension into a venv and runs pytest there.
#   pytest_with <python> <venv> <maturin profile>
pytest_with() {
    local python=$1 venv=$2 profile=$3
    echo "== python: $("$python" --version) in $venv"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q "maturin>=1.5,<2"
    # --extras test: pytest and the projects whose configurations are tested.
    VIRTUAL_ENV="$PWD/$venv" "$venv/bin/maturin" develop --profile "$profile" --extras test -q
    "$venv/bin/python" -m pytest tests/python -q
}

pytest_with "$PYTHON" "$VENV" release

# Every other CPython 3.9+ on PATH or under pyenv, once per minor version.
if [ "${ALL_PYTHONS:-1}" != 0 ]; then
    main=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    declare -A seen=(["$main"]=1)
    for candidate in $(compgen -c python3. | grep -E '^python3\.[0-9]+$' | sort -u) \
                     "$HOME"/.pyenv/versions/3.*/bin/python3; do
        exe=$(command -v "$candidate" 2>/dev/null || true)
        [ -n "$exe" ] && [ -x "$exe" ] || continue
        minor=$("$exe" -c 'import sys; print("%d.%d" % sys.version_info[:2]) if sys.version_info >= (3, 9) and sys.implementation.name == "cpython" else None' 2>/dev/null || true)
        case "$minor" in ''|None) continue ;; esac
        [ -z "${seen[$minor]:-}" ] || continue
        seen[$minor]=1
        # The lighter `ci` profile (no LTO): these runs check behaviour, not speed.
        pytest_with "$exe" ".venv-$minor" ci
    done
fi
