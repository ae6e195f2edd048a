#!/usr/bin/env bash
# The local benchmark: requests/s and p50/p99 latency straight to an app, sidecar to sidecar, and through the
# gateway, in one run. Usage: loadtests/run.sh [duration=10s] [connections=32]
# With a third argument "tracing": the gateway path with every trace sampled, exporting to no collector, to an
# unreachable one and to one that never answers (docs/performance.md).
# With a third argument "mtls": sidecar to sidecar with auto mTLS (the default) and with plaintext, interleaved.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
  echo "==> Installing wrk (Debian package)..."
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

echo "==> Building (Release)..."
dotnet build loadtests/Mesh.LoadTests -c Release -nologo -clp:ErrorsOnly

exec dotnet artifacts/bin/Mesh.LoadTests/release/Mesh.LoadTests.dll "$@"
