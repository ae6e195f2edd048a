#!/usr/bin/env bash
# Runs every test. Installs what the tests need first (npm packages for the gRPC interop peer), so it works on a
# fresh clone; CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Installing the gRPC interop peer (@grpc/grpc-js from npm)"
(cd tests/Mesh.Grpc.Tests/interop && npm ci --no-audit --no-fund --loglevel=error)

step "Installing promtool and prometheus (Debian package prometheus) for the metrics tests"
# promtool checks every proxy's exposition; the prometheus server scrapes a whole mesh end to end.
if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && apt-get install -y -qq prometheus
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq prometheus
  fi
fi

step "Checking for openssl and curl (the mutual TLS and gateway TLS tests run them as real peers)"
missing=""
for tool in openssl curl; do command -v "$tool" >/dev/null || missing="$missing $tool"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && apt-get install -y -qq $missing
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq $missing
  fi
fi

step "Building (Release)"
dotnet build Mesh.sln -c Release -nologo -clp:ErrorsOnly

step "Running the tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Mesh.sln -c Release --no-build -nologo --blame-hang-timeout 5m 2>&1 | tee "$log" || status=$?

# One closing line for the whole suite, summed over the test assemblies.
awk '/(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:")  failed  += $(i+1)
         if ($i == "Passed:")  passed  += $(i+1)
         if ($i == "Skipped:") skipped += $(i+1)
       }
     }
     END { printf "\ntests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }' "$log"
exit "$status"
