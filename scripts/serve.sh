#!/usr/bin/env bash
# Sets up a virtual environment (once) and runs the development server (`xinbao serve`:
# development settings, the emulator and the sandbox) on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e ".[dev]"
exec .venv/bin/xinbao serve "$@"
