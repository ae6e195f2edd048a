#!/usr/bin/env bash
# The local benchmark: requests/s and p50/p99 latency straight to an app, sidecar to sidecar, and through the
# gateway, in one run. Usage: loadtests/run.sh [duration=10s] [connections=32]
# With a third argument "tracing": the gateway path with every trace sampled, exporting to no collector, to an
# unreachable one and to one that never answers (docs/performance.md).
# With a third argument "mtls": sidecar to sidecar with auto mTLS (the default) and with plaintext, interleaved.
# With "scenarios [RATE]": the k6 scenarios of loadtests/k6 (gateway, sidecar, gRPC, faults, outlier ejection, retries)
# at RATE req/s (default 100) for DURATION each, at most CONNECTIONS in flight, PASS/FAIL against the scripts' thresholds.
# With "compare DIR": the gateway and sidecar paths of this build and of the checkout in DIR (another clone, e.g. at
# an older commit), alternating over rounds; DIR is built in Release first.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${3:-}" = "compare" ]; then
  other="${4:?usage: loadtests/run.sh DURATION CONNECTIONS compare OTHER_CHECKOUT}"
  echo "==> Building the other checkout ($other, Release)..."
  dotnet build "$other/src/Meshctl" -c Release -nologo -clp:ErrorsOnly
fi

if [ "${3:-}" != "scenarios" ] && ! command -v wrk >/dev/null; then
  echo "==> Installing wrk (Debian package)..."
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

echo "==> Building (Release)..."
dotnet build loadtests/Mesh.LoadTests -c Release -nologo -clp:ErrorsOnly

exec dotnet artifacts/bin/Mesh.LoadTests/release/Mesh.LoadTests.dll "$@"
