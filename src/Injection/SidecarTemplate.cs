using System.Globalization;
using System.Text;
using k8s.Models;

namespace Mesh.Injection;

/// <summary>
/// The containers and volumes Istio's sidecar template adds, built for this mesh's proxy (contract: its command line
/// and environment are what <c>mesh-proxy sidecar</c> reads).
/// <para>
/// Of Istio's volumes, these are left out: <c>workload-socket</c>, <c>credential-socket</c> and <c>workload-certs</c>
/// (the SPIFFE workload API's socket and certificates: this proxy gets its certificate from the control plane's CA itself,
/// not over a socket) and <c>istio-ca-crl</c> (the plugged-in CA's revocation list: this CA publishes none).
/// </para>
/// </summary>
internal static class SidecarTemplate
{
    public const string ProxyName = "istio-proxy";
    public const string CaptureName = "istio-init";
    public const string ProxyCommand = "mesh-proxy";

    private const string RootCertDirectory = "/var/run/secrets/istio";
    private const string TokenDirectory = "/var/run/secrets/tokens";

    /// <summary>The volumes, in Istio's order; the status annotation lists these names.</summary>
    public static readonly string[] VolumeNames = ["istio-envoy", "istio-data", "istio-podinfo", "istio-token", "istiod-ca-cert"];

    public static List<V1Volume> Volumes() =>
    [
        // The proxy's scratch space (Istio's SDS socket lives here); memory-backed as Istio's.
        new() { Name = "istio-envoy", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory" } },
        new() { Name = "istio-data", EmptyDir = new V1EmptyDirVolumeSource() },
        new()
        {
            Name = "istio-podinfo",
            DownwardAPI = new V1DownwardAPIVolumeSource
            {
                Items =
                [
                    new V1DownwardAPIVolumeFile { Path = "labels", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels" } },
                    new V1DownwardAPIVolumeFile { Path = "annotations", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.annotations" } },
                ],
            },
        },
        // The token the CA authenticates the pod by (TokenReview, audience istio-ca).
        new()
        {
            Name = "istio-token",
            Projected = new V1ProjectedVolumeSource
            {
                Sources =
                [
                    new V1VolumeProjection
                    {
                        ServiceAccountToken = new V1ServiceAccountTokenProjection { Audience = "istio-ca", ExpirationSeconds = 43200, Path = "istio-token" },
                    },
                ],
            },
        },
        // The mesh's root certificate, which the control plane publishes in every namespace.
        new() { Name = "istiod-ca-cert", ConfigMap = new V1ConfigMapVolumeSource { Name = "istio-ca-root-cert" } },
    ];

    /// <summary>The traffic-capture init container (root with NET_ADMIN and NET_RAW, as Istio's istio-init).</summary>
    public static V1Container Capture(PodAnnotations options, IDictionary<string, string>? annotations) => new()
    {
        Name = CaptureName,
        Image = options.Image,
        Command = [ProxyCommand],
        Args = CaptureArguments.For(annotations, options.StatusPort),
        Resources = options.Resources,
        SecurityContext = new V1SecurityContext
        {
            AllowPrivilegeEscalation = false,
            Privileged = false,
            Capabilities = new V1Capabilities { Add = ["NET_ADMIN", "NET_RAW"], Drop = ["ALL"] },
            ReadOnlyRootFilesystem = false,
            RunAsGroup = 0,
            RunAsNonRoot = false,
            RunAsUser = 0,
        },
    };

    /// <summary>The proxy: a native sidecar (init container, <c>restartPolicy: Always</c>) or a classic container.</summary>
    public static V1Container Proxy(PodAnnotations options, InjectionSettings settings, WorkloadOwner owner, IList<V1Container> applications)
    {
        var proxy = new V1Container
        {
            Name = ProxyName,
            Image = options.Image,
            Command = [ProxyCommand],
            Args = Arguments(settings, applications, options),
            Env = Environment(settings, owner, applications, options),
            Ports = [new V1ContainerPort { ContainerPort = ProxyPorts.Metrics, Name = "http-envoy-prom", Protocol = "TCP" }],
            ReadinessProbe = ReadinessProbe(options),
            // Up to 10 minutes to become ready; a native sidecar's startup probe also holds back the app containers.
            StartupProbe = new V1Probe
            {
                HttpGet = new V1HTTPGetAction { Path = "/healthz/ready", Port = ProxyPorts.Readiness },
                FailureThreshold = 600,
                PeriodSeconds = 1,
                TimeoutSeconds = 3,
            },
            Resources = options.Resources,
            SecurityContext = new V1SecurityContext
            {
                AllowPrivilegeEscalation = false,
                Privileged = false,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                ReadOnlyRootFilesystem = true,
                RunAsGroup = ProxyPorts.ProxyUid,
                RunAsNonRoot = true,
                RunAsUser = ProxyPorts.ProxyUid,
            },
            VolumeMounts = VolumeMounts(),
        };
        if (options.Native)
        {
            proxy.RestartPolicy = "Always";
        }
        else if (options.HoldApplication)
        {
            // A classic sidecar placed first: kubelet starts the next container only once this hook returns.
            proxy.Lifecycle = new V1Lifecycle
            {
                PostStart = new V1LifecycleHandler
                {
                    Exec = new V1ExecAction { Command = [ProxyCommand, "wait", "--readiness-port", Number(ProxyPorts.Readiness)] },
                },
            };
        }

        return proxy;
    }

    /// <summary>Istio's templates' readiness probe: its timing from the pod's readiness.status.sidecar.istio.io/* annotations, else their defaults.</summary>
    public static V1Probe ReadinessProbe(PodAnnotations options) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = "/healthz/ready", Port = ProxyPorts.Readiness },
        InitialDelaySeconds = options.ReadinessInitialDelaySeconds,
        FailureThreshold = options.ReadinessFailureThreshold ?? 4,
        PeriodSeconds = options.ReadinessPeriodSeconds ?? 15,
        TimeoutSeconds = 3,
    };

    /// <summary>Where the proxy finds the volumes of <see cref="Volumes"/>.</summary>
    public static List<V1VolumeMount> VolumeMounts() =>
    [
        new V1VolumeMount { MountPath = RootCertDirectory, Name = "istiod-ca-cert" },
        new V1VolumeMount { MountPath = "/var/lib/istio/data", Name = "istio-data" },
        new V1VolumeMount { MountPath = "/etc/istio/proxy", Name = "istio-envoy" },
        new V1VolumeMount { MountPath = TokenDirectory, Name = "istio-token" },
        new V1VolumeMount { MountPath = "/etc/istio/pod", Name = "istio-podinfo" },
    ];

    /// <summary>How the proxy reaches the control plane and proves its identity: the same for every template.</summary>
    public static List<string> DiscoveryArguments(string mode, InjectionSettings settings) =>
    [
        mode,
        "--workload", "$(POD_NAME)",
        "--namespace", "$(POD_NAMESPACE)",
        "--service-account", "$(SERVICE_ACCOUNT)",
        "--discovery", "https://" + settings.DiscoveryAddress,
        "--ca-root-file", RootCertDirectory + "/root-cert.pem",
        "--ca-token-file", TokenDirectory + "/istio-token",
    ];

    /// <summary>The admin, status, readiness and metrics ports, telemetry and draining: the same for every template.</summary>
    public static void AddServingArguments(List<string> arguments, InjectionSettings settings, PodAnnotations options)
    {
        arguments.AddRange(["--admin-port", Number(ProxyPorts.Admin), "--bind", "$(INSTANCE_IP)"]);
        if (options.StatusPort != 0) arguments.AddRange(["--status-port", Number(options.StatusPort)]);
        arguments.AddRange(["--readiness-port", Number(ProxyPorts.Readiness), "--metrics-port", Number(ProxyPorts.Metrics)]);
        if (settings.AccessLog is { } accessLog) arguments.AddRange(["--access-log", accessLog]);
        if ((options.TraceSampling ?? settings.TraceSampling) is { } sampling) arguments.AddRange(["--trace-sampling", sampling.ToString(CultureInfo.InvariantCulture)]);
        if (settings.OtlpEndpoint is { } otlp) arguments.AddRange(["--otlp-endpoint", otlp]);
        if (options.TerminationDrainDuration is { } drain)
        {
            arguments.AddRange(["--termination-drain-duration", drain.TotalSeconds.ToString(CultureInfo.InvariantCulture)]);
        }
    }

    private static List<string> Arguments(InjectionSettings settings, IList<V1Container> applications, PodAnnotations options)
    {
        // The proxy forwards inbound traffic to the application's first declared port (80 when it declares none).
        var appPort = 80;
        if (applications.Count > 0 && applications[0].Ports is { Count: > 0 } ports)
        {
            appPort = ports[0].ContainerPort;
        }

        var arguments = DiscoveryArguments("sidecar", settings);
        arguments.AddRange(["--app", "127.0.0.1:" + Number(appPort), "--outbound-port", Number(ProxyPorts.Outbound)]);
        AddServingArguments(arguments, settings, options);
        if (options.Captured)
        {
            // Where istio-init's -z redirects every inbound connection: the proxy then serves each captured port itself.
            arguments.InsertRange(arguments.IndexOf("--admin-port"), ["--inbound-capture-port", Number(ProxyPorts.Inbound)]);
        }

        return arguments;
    }

    /// <summary>
    /// Whether the proxy reads an environment variable: one the template sets (Istio's names), the OpenTelemetry SDK's
    /// <c>OTEL_*</c>, the .NET runtime's <c>DOTNET_*</c>, or .NET logging's <c>Logging__*</c>.
    /// </summary>
    public static bool ProxyReads(string variable) =>
        TemplateVariables.Contains(variable) || variable.StartsWith("OTEL_", StringComparison.Ordinal) || variable.StartsWith("DOTNET_", StringComparison.Ordinal)
        || variable.StartsWith("Logging__", StringComparison.Ordinal);

    private static readonly HashSet<string> TemplateVariables = new(StringComparer.Ordinal)
    {
        "POD_NAME", "POD_NAMESPACE", "INSTANCE_IP", "SERVICE_ACCOUNT", "HOST_IP", "ISTIO_META_POD_PORTS", "ISTIO_META_APP_CONTAINERS",
        "ISTIO_META_CLUSTER_ID", "ISTIO_META_WORKLOAD_NAME", "ISTIO_META_OWNER", "ISTIO_META_MESH_ID", "TRUST_DOMAIN",
    };

    /// <summary>Istio's environment with Istio's names and downward-API sources (the ones this proxy reads).</summary>
    public static List<V1EnvVar> Environment(InjectionSettings settings, WorkloadOwner owner, IList<V1Container> applications, PodAnnotations options)
    {
        var env = new List<V1EnvVar>
        {
            Field("POD_NAME", "metadata.name"),
            Field("POD_NAMESPACE", "metadata.namespace"),
            Field("INSTANCE_IP", "status.podIP"),
            Field("SERVICE_ACCOUNT", "spec.serviceAccountName"),
            Field("HOST_IP", "status.hostIP"),
            new() { Name = "ISTIO_META_POD_PORTS", Value = PodPorts(applications) },
            new() { Name = "ISTIO_META_APP_CONTAINERS", Value = string.Join(',', applications.Select(container => container.Name)) },
            new() { Name = "ISTIO_META_CLUSTER_ID", Value = settings.ClusterId },
        };
        if (owner.Name.Length > 0)
        {
            env.Add(new V1EnvVar { Name = "ISTIO_META_WORKLOAD_NAME", Value = owner.Name });
            env.Add(new V1EnvVar { Name = "ISTIO_META_OWNER", Value = owner.OwnerUri });
        }

        env.Add(new V1EnvVar { Name = "ISTIO_META_MESH_ID", Value = settings.EffectiveMeshId });
        env.Add(new V1EnvVar { Name = "TRUST_DOMAIN", Value = settings.TrustDomain });

        // Istio's concurrency is Envoy's worker count; .NET sizes its thread pool, socket engines and Kestrel's I/O
        // queues from the processor count, which this variable sets (0: every core the CPU limit allows).
        if (options.Concurrency is > 0 and var workers)
        {
            env.Add(new V1EnvVar { Name = "DOTNET_PROCESSOR_COUNT", Value = workers.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        // .NET's logging reads its minimum level from the environment, as Envoy's --log-level sets Istio's proxy's.
        if (options.ProxyLogLevel is { } logLevel)
        {
            env.Add(new V1EnvVar { Name = "Logging__LogLevel__Default", Value = logLevel });
        }

        // proxyMetadata is the proxy's environment, as Istio's template writes it; a name already set is replaced.
        foreach (var (name, value) in options.ProxyMetadata)
        {
            env.RemoveAll(variable => variable.Name == name);
            env.Add(new V1EnvVar { Name = name, Value = value });
        }

        return env;
    }

    private static V1EnvVar Field(string name, string path) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = path } } };

    /// <summary>Istio's ISTIO_META_POD_PORTS: the application containers' ports as Kubernetes' JSON, one a line, as its template writes them.</summary>
    private static string PodPorts(IList<V1Container> applications)
    {
        var text = new StringBuilder("[");
        var first = true;
        foreach (var container in applications)
        {
            foreach (var port in container.Ports ?? [])
            {
                text.Append("\n    ").Append(first ? "" : ",").Append('{');
                var fields = new List<string>();
                if (!string.IsNullOrEmpty(port.Name))
                {
                    fields.Add($"\"name\":{System.Text.Json.JsonSerializer.Serialize(port.Name)}");
                }

                if (port.HostPort is { } hostPort and not 0)
                {
                    fields.Add($"\"hostPort\":{Number(hostPort)}");
                }

                fields.Add($"\"containerPort\":{Number(port.ContainerPort)}");
                if (!string.IsNullOrEmpty(port.Protocol))
                {
                    fields.Add($"\"protocol\":{System.Text.Json.JsonSerializer.Serialize(port.Protocol)}");
                }

                if (!string.IsNullOrEmpty(port.HostIP))
                {
                    fields.Add($"\"hostIP\":{System.Text.Json.JsonSerializer.Serialize(port.HostIP)}");
                }

                text.Append(string.Join(',', fields)).Append('}');
                first = false;
            }
        }

        return text.Append("\n]").ToString();
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
