#!/usr/bin/env bash
# Runs every test. Installs what the tests need first (the npm gRPC peer, Debian packages), so it works on a
# fresh clone; CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Installing the gRPC interop peer (@grpc/grpc-js from npm)"
(cd tests/Mesh.ControlPlane.Tests/Interop && npm ci --no-audit --no-fund --loglevel=error)

step "Installing the manifests' schema validator (kubernetes-models from npm)"
(cd tests/Mesh.EndToEnd.Tests/Deploy/schema && npm ci --no-audit --no-fund --loglevel=error)

step "Installing the Debian packages the tests use as real peers, where missing"
# prometheus: promtool checks every proxy's exposition, and the server scrapes a whole mesh end to end.
# openssl, curl: the mutual TLS and gateway TLS tests talk to the proxies with them.
# kubectl: the Kubernetes tests apply, get and watch through it against the test API server.
# nginx-light, haproxy: the load harness's short mode puts them in front of the same backend as the mesh.
missing=""
{ command -v promtool >/dev/null && command -v prometheus >/dev/null; } || missing="prometheus"
for tool in openssl curl kubectl; do command -v "$tool" >/dev/null || missing="$missing $tool"; done
{ command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; } || missing="$missing nginx-light"
{ command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ]; } || missing="$missing haproxy"
if [ -n "$missing" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi

# The container tests run the mesh as pods from this image: image.sh installs Docker Engine, debootstrap and iptables
# from Debian where missing, starts dockerd, makes the base images once and builds (docs/image.md).
step "Building the mesh image (scripts/image.sh)"
image_started=$SECONDS
scripts/image.sh
echo "image built in $((SECONDS - image_started))s"

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
