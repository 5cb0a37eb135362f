#!/usr/bin/env bash
# The one command that runs every test: the Rust tests (cargo), then the Python
# tests (pytest) against the extension built into a virtual environment.
#
#   bash tests/run.sh
#
# Needs Rust (cargo) and CPython >= 3.9 with venv/pip. Installs everything else
# (maturin, pytest) into ./.venv. PYTHON=python3.12 picks the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

echo "== cargo test (profile ci)"
cargo test --workspace --profile ci

echo "== python: $("$PYTHON" --version) in $VENV"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q "maturin>=1.5,<2" "pytest>=7"
VIRTUAL_ENV="$PWD/$VENV" "$VENV/bin/maturin" develop --release -q
"$VENV/bin/python" -m pytest tests/python -q
