#!/usr/bin/env bash
# Runs the local mesh demo: builds what it needs, then `meshctl demo` (Ctrl-C stops everything).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Building meshctl, the control plane, the proxy and the sample app (Release)..."
dotnet build src/Meshctl -c Release -nologo -clp:ErrorsOnly

echo "==> Starting the demo..."
exec dotnet artifacts/bin/Mesh.Meshctl/release/meshctl.dll demo "$@"
