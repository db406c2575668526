#!/usr/bin/env bash
# Sets up what the pack needs on a fresh machine: a venv with the pinned packages, and
# Debian's prometheus (promtool) and prometheus-alertmanager where they are missing.
# Idempotent: a second run with nothing to do finishes in a second.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

fail() { echo "bootstrap: $*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null || fail "no $PYTHON on PATH: install Python 3.11 or newer"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || fail "$PYTHON is $("$PYTHON" -V 2>&1); the pack needs Python 3.11 or newer (set PYTHON=...)"

stamp="$VENV/.installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "bootstrap: creating $VENV and installing the pinned packages"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV" || fail "could not create the venv $VENV (is python3-venv installed?)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[dev]' \
    || fail "pip could not install the pinned packages (see the pip error above)"
  touch "$stamp"
fi

need=()
command -v promtool >/dev/null || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null || command -v alertmanager >/dev/null || need+=(prometheus-alertmanager)
if [ ${#need[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${need[*]}"
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    fail "need Debian packages ${need[*]} and am not root: run 'sudo apt-get install ${need[*]}'"
  fi
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >/dev/null || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || fail "apt-get could not install ${need[*]}"
  # The Debian packages start their services; the pack starts its own on loopback.
  for svc in prometheus prometheus-alertmanager prometheus-node-exporter; do
    $SUDO systemctl stop "$svc" >/dev/null 2>&1 || $SUDO service "$svc" stop >/dev/null 2>&1 || true
  done
fi
