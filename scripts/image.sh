#!/usr/bin/env bash
# Builds the mesh image from the root Dockerfile on a machine that reaches no image registry: installs Docker Engine
# (Debian's docker.io), debootstrap and iptables when missing, starts dockerd when it is not running, makes the two
# base images locally (a Debian root file system from debootstrap plus this machine's .NET, imported with
# `docker import`, reused while the suite and the .NET version stay the same), then builds.
#
#   scripts/image.sh            # tag from $MESH_IMAGE, default mesh:dev; prints the tag last
#
# Idempotent: a second run starts nothing, makes no base image and builds from Docker's layer cache.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
step() { printf '\n==> %s [%ds]\n' "$*" $((SECONDS - started)); }

tag=${MESH_IMAGE:-mesh:dev}
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export PATH="$PATH:/usr/sbin:/sbin"

step "Installing Docker Engine, debootstrap and iptables from Debian, where missing"
missing=""
command -v dockerd >/dev/null || missing="docker.io"
command -v docker >/dev/null || missing="docker.io"
command -v debootstrap >/dev/null || missing="$missing debootstrap"
command -v iptables >/dev/null || missing="$missing iptables"
if [ -n "$missing" ]; then
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
else
  echo "all present"
fi

step "Starting dockerd, unless it is running"
docker=(docker)
if ! docker info >/dev/null 2>&1 && ! $sudo docker info >/dev/null 2>&1; then
  log=${DOCKERD_LOG:-/var/log/mesh-dockerd.log}
  echo "dockerd not running: starting it in the background (log: $log)"
  $sudo sh -c "nohup dockerd >>'$log' 2>&1 </dev/null &"
  for _ in $(seq 1 60); do
    $sudo docker info >/dev/null 2>&1 && break
    sleep 1
  done
  $sudo docker info >/dev/null 2>&1 || { echo "dockerd did not start within 60s; its log:" >&2; tail -20 "$log" >&2; exit 1; }
fi
# A user outside the docker group talks to the daemon through sudo.
docker info >/dev/null 2>&1 || docker=($sudo docker)
echo "dockerd $("${docker[@]}" version --format '{{.Server.Version}}') serving"

# The base images' content key: the Debian suite and the exact .NET runtime and SDK copied in.
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime_version=$(ls "$dotnet_root/shared/Microsoft.AspNetCore.App" | sort -V | tail -1)
sdk_version=$(dotnet --version)
. /etc/os-release
suite=$VERSION_CODENAME
runtime_image="mesh-base-runtime:$suite-aspnet$runtime_version"
# The SDK base trusts what this machine trusts: where HTTPS leaves through an inspecting proxy (its CA in the machine's
# bundle), NuGet's certificate chains to that CA, so the bundle is copied in and its hash is part of the key.
trust_bundle=/etc/ssl/certs/ca-certificates.crt
trust_key=$(sha256sum "$trust_bundle" | cut -c1-8)
sdk_image="mesh-base-sdk:$suite-sdk$sdk_version-ca$trust_key"

step "Base images: $runtime_image, $sdk_image"
have() { "${docker[@]}" image inspect "$1" >/dev/null 2>&1; }
if have "$runtime_image" && have "$sdk_image"; then
  echo "both exist: reused"
else
  # The mirror this machine's apt uses for its own suite (deb822 sources first, then one-line sources).
  mirror=$(awk '/^URIs:/ {uri=$2} /^Suites:/ && $0 ~ " '"$suite"'( |$)" {print uri; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "'"$suite"'" {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  rootfs=$(mktemp -d "${TMPDIR:-/tmp}/mesh-rootfs.XXXXXX")
  trap '$sudo rm -rf "$rootfs"' EXIT
  echo "debootstrap $suite from $mirror"
  # What .NET needs (libssl, libstdc++, zlib, tzdata), what the mesh image installs (iptables, CA certificates, curl).
  $sudo debootstrap --variant=minbase --include=ca-certificates,curl,iptables,libssl3,libstdc++6,zlib1g,tzdata \
    "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || { tail -20 "$rootfs.log" >&2; exit 1; }
  rm -f "$rootfs.log"
  $sudo rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  # The imported image has no config of its own: PATH and .NET's container settings as Microsoft's images set them.
  changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
           --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true' --change 'ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=true'
           --change 'CMD ["bash"]')
  echo "copying .NET $runtime_version from $dotnet_root"
  $sudo mkdir -p "$rootfs/usr/share/dotnet"
  $sudo cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/shared" "$dotnet_root/LICENSE.txt" "$rootfs/usr/share/dotnet/"
  $sudo ln -sf /usr/share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
  if ! have "$runtime_image"; then
    echo "importing $runtime_image"
    $sudo tar -C "$rootfs" -c . | "${docker[@]}" import "${changes[@]}" - "$runtime_image" >/dev/null
  fi
  if ! have "$sdk_image"; then
    echo "copying the .NET SDK $sdk_version; importing $sdk_image"
    for part in sdk packs sdk-manifests templates; do
      [ -e "$dotnet_root/$part" ] && $sudo cp -a "$dotnet_root/$part" "$rootfs/usr/share/dotnet/"
    done
    $sudo cp "$trust_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
    $sudo tar -C "$rootfs" -c . | "${docker[@]}" import "${changes[@]}" --change 'ENV DOTNET_CLI_TELEMETRY_OPTOUT=1' \
      --change 'ENV DOTNET_NOLOGO=1' - "$sdk_image" >/dev/null
  fi
  $sudo rm -rf "$rootfs"
  trap - EXIT
fi

step "Building $tag from the Dockerfile"
# The build's containers reach NuGet through the host's network, as this machine does (no bridge NAT needed).
DOCKER_BUILDKIT=0 "${docker[@]}" build --network host --force-rm \
  --build-arg SDK_IMAGE="$sdk_image" --build-arg RUNTIME_IMAGE="$runtime_image" -t "$tag" . 2>&1 |
  grep --line-buffered -v -e '^ *$' -e 'DEPRECATED' -e 'BuildKit is currently disabled' -e 'Install the buildx component' -e 'docs.docker.com/go/buildx'

step "Done in $((SECONDS - started))s"
echo "$tag"
