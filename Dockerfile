# One image for the whole mesh: the proxy (sidecar, router, iptables), the control plane, meshctl and the sample app.
#
#   docker build -t mesh .                        # Microsoft's .NET images
#   scripts/image.sh                              # base images made on this machine (no registry needed)
#
# The base images are build arguments: any image with the .NET SDK (build) and the ASP.NET Core runtime (run) at
# /usr/share/dotnet will do. docs/image.md says how the image is used.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${SDK_IMAGE} AS build
WORKDIR /src
# Restore first, from the project files alone: the package layer is reused until a project's references change.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Cel/Mesh.Cel.csproj src/Cel/
COPY src/Contracts/Mesh.Contracts.csproj src/Contracts/
COPY src/ControlPlane/Mesh.ControlPlane.csproj src/ControlPlane/
COPY src/Injection/Mesh.Injection.csproj src/Injection/
COPY src/Istio/Mesh.Istio.csproj src/Istio/
COPY src/Meshctl/Mesh.Meshctl.csproj src/Meshctl/
COPY src/Proxy/Mesh.Proxy.csproj src/Proxy/
COPY src/SampleApp/Mesh.SampleApp.csproj src/SampleApp/
COPY src/Security/Mesh.Security.csproj src/Security/
RUN dotnet restore src/Meshctl/Mesh.Meshctl.csproj -nologo
# The proxy is compiled ahead of time: clang links it (with zlib), installed only when the SDK image lacks them; its
# restore for this platform brings the AOT compiler and the runtime's native parts.
RUN missing=""; \
    command -v clang >/dev/null || missing="clang"; \
    [ -e /usr/include/zlib.h ] || missing="$missing zlib1g-dev"; \
    if [ -n "$missing" ]; then \
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
      && rm -rf /var/lib/apt/lists/*; \
    fi
RUN dotnet restore src/Proxy/Mesh.Proxy.csproj -nologo --use-current-runtime -p:PublishAot=true
COPY src/ src/
COPY deploy/local/ deploy/local/
# Framework-dependent, one folder per program; meshctl's publish builds the other three (its demo runs them).
RUN for project in ControlPlane:Mesh.ControlPlane Meshctl:Mesh.Meshctl SampleApp:Mesh.SampleApp; do \
      folder=${project%%:*}; name=${project#*:}; \
      dotnet publish src/$folder/$name.csproj -c Release --no-restore -nologo -clp:ErrorsOnly \
        -p:UseAppHost=true -o /out/$name || exit 1; \
    done
# The proxy, one per pod, as one native executable: half the memory of the JIT'd proxy and no JIT warm-up, for up to
# a quarter of one proxy's maximum rate (docs/performance.md). Its debug symbols stay out of the image.
RUN dotnet publish src/Proxy/Mesh.Proxy.csproj -c Release --no-restore -nologo -clp:ErrorsOnly --use-current-runtime \
      -p:PublishAot=true -o /out/Mesh.Proxy \
 && rm -f /out/Mesh.Proxy/*.dbg /out/Mesh.Proxy/*.pdb

FROM ${RUNTIME_IMAGE}
# iptables (the init container's capture rules; Debian's package carries both the nft and the legacy backend), CA
# certificates (TLS to outside services), curl (what an operator debugs a pod with). Installed only when the base
# lacks them, so a base image that has them builds without a network.
RUN missing=""; \
    for tool in iptables iptables-legacy iptables-nft curl; do command -v "$tool" >/dev/null || missing="iptables curl"; done; \
    [ -s /etc/ssl/certs/ca-certificates.crt ] || missing="$missing ca-certificates"; \
    if [ -n "$missing" ]; then \
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
      && rm -rf /var/lib/apt/lists/*; \
    fi
COPY --from=build /out/ /opt/mesh/
RUN ln -s /opt/mesh/Mesh.Proxy/Mesh.Proxy /usr/local/bin/mesh-proxy \
 && ln -s /opt/mesh/Mesh.ControlPlane/Mesh.ControlPlane /usr/local/bin/mesh-control-plane \
 && ln -s /opt/mesh/Mesh.Meshctl/meshctl /usr/local/bin/meshctl \
 && ln -s /opt/mesh/Mesh.SampleApp/Mesh.SampleApp /usr/local/bin/mesh-sample-app
# Read-only at run time: no diagnostics socket in /tmp (run with --tmpfs /tmp and DOTNET_EnableDiagnostics_IPC=1 to
# attach dotnet-trace or dotnet-counters), no first-run files, HOME a folder nobody writes. Each program picks its
# own listen addresses, so the base image's ASP.NET Core default port is cleared. iptables-legacy takes its lock in
# /dev/shm, the one tmpfs every container has (the default, /run/xtables.lock, is on the read-only root).
ENV DOTNET_EnableDiagnostics_IPC=0 \
    DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_RUNNING_IN_CONTAINER=true \
    ASPNETCORE_HTTP_PORTS= \
    ASPNETCORE_URLS= \
    HOME=/opt/mesh \
    XTABLES_LOCKFILE=/dev/shm/xtables.lock
# Istio's proxy uid: the capture rules let this uid's traffic out uncaptured. Only the init container (mesh-proxy
# iptables, with NET_ADMIN and NET_RAW) runs as root, by its pod spec's securityContext.
USER 1337:1337
# No entrypoint: a pod names its program (mesh-proxy sidecar ..., mesh-control-plane ...) as its command.
CMD ["mesh-proxy"]
