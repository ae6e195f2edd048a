#!/usr/bin/env bash
# Runs the local mesh demo: builds what it needs, then `meshctl demo` (Ctrl-C stops everything).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Building the mesh (Release)..."
dotnet build Mesh.sln -c Release -nologo -clp:ErrorsOnly -p:WarningLevel=0

echo "==> Starting the demo..."
exec dotnet artifacts/bin/Mesh.Meshctl/release/meshctl.dll demo "$@"
