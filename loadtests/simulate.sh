#!/usr/bin/env bash
# The control-plane simulator: the real control plane over a generated mesh of [services] services (default 1000) and
# [proxies] simulated proxies (default 100), each a discovery stream that ACKs; prints time to first full config, the
# convergence of a few changes (a VirtualService by default) (the first cold, the rest warm), bytes and pushes per type, and the control plane's RSS and CPU.
# Usage: loadtests/simulate.sh [proxies] [services] [--export-to-namespace] [--sidecar-egress] [--captured] [--change virtualservice|destinationrule|endpoints|authorizationpolicy] [--changes N] [--deadline-seconds N]
#        [--control-plane-env NAME=VALUE]... (a variable for the control plane alone, e.g. a runtime setting under measurement)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Building (Release)..."
dotnet build loadtests/Mesh.DiscoverySimulator -c Release -nologo -clp:ErrorsOnly

# 5,000 streams mean 5,000 connections on each side.
ulimit -n 65536 2>/dev/null || true
exec dotnet artifacts/bin/Mesh.DiscoverySimulator/release/Mesh.DiscoverySimulator.dll "$@"
