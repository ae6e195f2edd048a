#!/usr/bin/env bash
# The Fortio-style harness: nginx (1 worker), HAProxy (1 thread), two nginx with mutual TLS between them, and the
# mesh (sidecar inbound alone, sidecar to sidecar, gateway to sidecar) in front of the same backend, each measured at max rate (closed loop) and at a fixed
# rate with coordinated-omission correction; prints the table and writes it as Markdown, CSV and a PNG chart.
# Usage: loadtests/harness.sh [--short] [--rate 1000] [--connections 16] [--warmup 40] [--duration 20] ...
# (--help for all options; docs/performance.md says what each column means).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=""
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="nginx-light"
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing="$missing haproxy"
if [ -n "$missing" ]; then
  echo "==> Installing$missing (Debian packages)..."
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

echo "==> Building (Release)..."
dotnet build loadtests/Mesh.Harness -c Release -nologo -clp:ErrorsOnly

exec dotnet artifacts/bin/Mesh.Harness/release/Mesh.Harness.dll "$@"
