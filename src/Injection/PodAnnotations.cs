using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Mesh.Injection;

/// <summary>
/// The pod's own injection annotations, read and checked once: Istio's <c>sidecar.istio.io/*</c>,
/// <c>proxy.istio.io/config</c>, <c>traffic.sidecar.istio.io/*</c> and <c>prometheus.istio.io/merge-metrics</c>. An
/// invalid value fails the injection (as Istio's <c>validateAnnotations</c> does); one of Istio's annotations this
/// injector does not implement becomes a warning, so nothing the user wrote is silently dropped.
/// </summary>
internal sealed record PodAnnotations
{
    public const string NativeSidecar = "sidecar.istio.io/nativeSidecar";
    public const string RewriteAppHttpProbers = "sidecar.istio.io/rewriteAppHTTPProbers";
    public const string ProxyImage = "sidecar.istio.io/proxyImage";
    public const string ProxyCpu = "sidecar.istio.io/proxyCPU";
    public const string ProxyMemory = "sidecar.istio.io/proxyMemory";
    public const string ProxyCpuLimit = "sidecar.istio.io/proxyCPULimit";
    public const string ProxyMemoryLimit = "sidecar.istio.io/proxyMemoryLimit";
    public const string InterceptionMode = "sidecar.istio.io/interceptionMode";
    public const string ProxyConfig = "proxy.istio.io/config";
    public const string MergeMetrics = "prometheus.istio.io/merge-metrics";
    public const string IncludeOutboundIpRanges = "traffic.sidecar.istio.io/includeOutboundIPRanges";
    public const string ExcludeOutboundIpRanges = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
    public const string IncludeInboundPorts = "traffic.sidecar.istio.io/includeInboundPorts";
    public const string ExcludeInboundPorts = "traffic.sidecar.istio.io/excludeInboundPorts";
    public const string IncludeOutboundPorts = "traffic.sidecar.istio.io/includeOutboundPorts";
    public const string ExcludeOutboundPorts = "traffic.sidecar.istio.io/excludeOutboundPorts";
    public const string KubevirtInterfaces = "traffic.sidecar.istio.io/kubevirtInterfaces";
    public const string ExcludeInterfaces = "traffic.sidecar.istio.io/excludeInterfaces";
    public const string LogLevel = "sidecar.istio.io/logLevel";
    public const string UserVolume = "sidecar.istio.io/userVolume";
    public const string UserVolumeMount = "sidecar.istio.io/userVolumeMount";
    public const string ReadinessInitialDelay = "readiness.status.sidecar.istio.io/initialDelaySeconds";
    public const string ReadinessPeriod = "readiness.status.sidecar.istio.io/periodSeconds";
    public const string ReadinessFailures = "readiness.status.sidecar.istio.io/failureThreshold";
    public const string SidecarStatusPort = "status.sidecar.istio.io/port";

    // The prefixes of Istio's injection annotations: a key under one of them that is not implemented is reported.
    private static readonly string[] IstioPrefixes =
    [
        "sidecar.istio.io/", "proxy.istio.io/", "traffic.sidecar.istio.io/", "status.sidecar.istio.io/",
        "readiness.status.sidecar.istio.io/", "prometheus.istio.io/",
    ];

    private static readonly HashSet<string> Implemented = new(StringComparer.Ordinal)
    {
        InjectionPolicy.InjectKey, InjectionPolicy.StatusAnnotation, NativeSidecar, RewriteAppHttpProbers, ProxyImage,
        ProxyCpu, ProxyMemory, ProxyCpuLimit, ProxyMemoryLimit, InterceptionMode, ProxyConfig, MergeMetrics,
        IncludeOutboundIpRanges, ExcludeOutboundIpRanges, IncludeInboundPorts, ExcludeInboundPorts,
        IncludeOutboundPorts, ExcludeOutboundPorts, KubevirtInterfaces, ExcludeInterfaces, ReadinessInitialDelay, ReadinessPeriod,
        ReadinessFailures, LogLevel, UserVolume, UserVolumeMount, SidecarStatusPort,
    };

    /// <summary>
    /// Istio's interceptionMode REDIRECT (the default): iptables captures the pod's traffic (the istio-init container)
    /// and the proxy serves it (--inbound-capture-port). NONE: nothing is captured and there is no istio-init.
    /// </summary>
    public required bool Captured { get; init; }

    public required bool Native { get; init; }

    public required bool HoldApplication { get; init; }

    /// <summary>ProxyConfig <c>concurrency</c>: the proxy's worker count (null or 0: one per core its CPU limit allows).</summary>
    public int? Concurrency { get; init; }

    /// <summary>ProxyConfig <c>terminationDrainDuration</c>; null: the proxy's default.</summary>
    public TimeSpan? TerminationDrainDuration { get; init; }

    /// <summary>ProxyConfig <c>proxyMetadata</c>: environment variables of the proxy container, by name.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ProxyMetadata { get; init; } = [];

    /// <summary>ProxyConfig <c>tracing.sampling</c>: the percentage of requests this pod's proxy traces; null: the mesh's.</summary>
    public double? TraceSampling { get; init; }

    public required bool RewriteProbes { get; init; }

    public required bool MergePrometheus { get; init; }

    public required string Image { get; init; }

    public required V1ResourceRequirements Resources { get; init; }

    /// <summary>
    /// Istio's proxy log level (<c>sidecar.istio.io/logLevel</c>) as .NET's: the proxy's minimum level for its own
    /// events (<c>Logging__LogLevel__Default</c>); null: the proxy's default, Information.
    /// </summary>
    public string? ProxyLogLevel { get; init; }

    /// <summary>Volumes the pod gets for its proxy (<c>sidecar.istio.io/userVolume</c>), and where the proxy mounts them (<c>userVolumeMount</c>).</summary>
    public IReadOnlyList<V1Volume> UserVolumes { get; init; } = [];

    public IReadOnlyList<V1VolumeMount> UserVolumeMounts { get; init; } = [];

    /// <summary>The proxy container's readiness probe timing (Istio's readiness.status.sidecar.istio.io/* annotations); null: the template's.</summary>
    public int? ReadinessInitialDelaySeconds { get; init; }

    public int? ReadinessPeriodSeconds { get; init; }

    public int? ReadinessFailureThreshold { get; init; }

    /// <summary>
    /// The proxy's status port (<c>status.sidecar.istio.io/port</c>), where it serves the application's rewritten
    /// probes and the merged metrics; 0: none, so neither. The readiness probe is on the readiness port and stays.
    /// </summary>
    public int StatusPort { get; init; } = ProxyPorts.Status;

    /// <param name="proxyConfigs">The ProxyConfig resources that apply to the pod, merged around its <c>proxy.istio.io/config</c>.</param>
    public static PodAnnotations Read(V1ObjectMeta metadata, InjectionSettings settings, ProxyConfigLayers proxyConfigs, ICollection<string> warnings)
    {
        var annotations = metadata.Annotations ?? new Dictionary<string, string>();
        foreach (var key in annotations.Keys.Order(StringComparer.Ordinal))
        {
            if (!Implemented.Contains(key) && IsIstioKey(key))
            {
                warnings.Add($"annotation {key} is not implemented by this mesh's injector and has no effect");
            }
        }

        var captured = true;
        if (annotations.TryGetValue(InterceptionMode, out var mode) && mode != "REDIRECT")
        {
            if (mode == "NONE")
            {
                captured = false;
            }
            else
            {
                warnings.Add($"annotation {InterceptionMode}: \"{mode}\" is not implemented (only REDIRECT and NONE are); the pod is injected with REDIRECT");
            }
        }

        var statusPort = ReadStatusPort(annotations);
        var rewriteProbes = Bool(annotations, RewriteAppHttpProbers) ?? settings.RewriteAppProbes;
        var mergePrometheus = Bool(annotations, MergeMetrics) ?? settings.EnablePrometheusMerge;
        if (statusPort == 0 && (rewriteProbes || mergePrometheus))
        {
            warnings.Add($"annotation {SidecarStatusPort}: 0, so the proxy serves no status port: the application's HTTP probes are not rewritten and its metrics not merged");
        }

        var config = annotations.TryGetValue(ProxyConfig, out var proxyConfig)
            ? ReadProxyConfig(proxyConfig, warnings)
            : new ProxyConfigAnnotation(null, null, null, [], null);

        return new PodAnnotations
        {
            Captured = captured,
            Native = Bool(annotations, NativeSidecar) ?? settings.NativeSidecars,
            HoldApplication = config.Hold ?? settings.HoldApplicationUntilProxyStarts,
            Concurrency = proxyConfigs.Workload?.Spec.Concurrency ?? config.Concurrency ?? proxyConfigs.Namespace?.Spec.Concurrency
                ?? proxyConfigs.Mesh?.Spec.Concurrency ?? settings.Concurrency,
            TerminationDrainDuration = config.TerminationDrainDuration ?? settings.TerminationDrainDuration,
            ProxyMetadata = MergeProxyMetadata(settings, proxyConfigs, config.ProxyMetadata, warnings),
            TraceSampling = PodTraceSampling(config.TraceSampling, settings, warnings),
            StatusPort = statusPort,
            RewriteProbes = rewriteProbes && statusPort != 0,
            MergePrometheus = mergePrometheus && statusPort != 0,
            Image = annotations.TryGetValue(ProxyImage, out var image) && image.Length > 0 ? image : settings.ProxyImage,
            Resources = ReadResources(annotations, settings),
            ProxyLogLevel = annotations.TryGetValue(LogLevel, out var level) ? DotnetLogLevel(level) : null,
            UserVolumes = Named<V1Volume>(annotations, UserVolume, static (volume, name) => volume.Name = name),
            UserVolumeMounts = Named<V1VolumeMount>(annotations, UserVolumeMount, static (mount, name) => mount.Name = name),
            ReadinessInitialDelaySeconds = Seconds(annotations, ReadinessInitialDelay),
            ReadinessPeriodSeconds = Seconds(annotations, ReadinessPeriod),
            ReadinessFailureThreshold = Seconds(annotations, ReadinessFailures),
        };
    }

    /// <summary>
    /// The proxy's environment from every layer (meshConfig's defaultConfig first), as Istio merges the maps: a variable
    /// of a narrower layer replaces the same variable of a broader one, in its place; the others are kept, in the order written.
    /// </summary>
    private static List<KeyValuePair<string, string>> MergeProxyMetadata(InjectionSettings settings, ProxyConfigLayers layers,
        List<KeyValuePair<string, string>> annotation, ICollection<string> warnings)
    {
        var merged = new List<KeyValuePair<string, string>>();
        foreach (var variable in settings.ProxyMetadata)
        {
            Set(variable);
            WarnIfUnread("meshConfig defaultConfig.proxyMetadata", variable.Key, warnings);
        }

        Add(layers.Mesh);
        Add(layers.Namespace);
        foreach (var variable in annotation) Set(variable);
        Add(layers.Workload);
        return merged;

        void Add(Mesh.Istio.Networking.ProxyConfig? proxyConfig)
        {
            if (proxyConfig is null) return;
            var name = $"ProxyConfig {proxyConfig.Metadata.Namespace}/{proxyConfig.Metadata.Name}";
            if (proxyConfig.Spec.ImageType is { } imageType && imageType is not ("" or "default"))
            {
                warnings.Add($"{name}: image.imageType {imageType} has no effect: this mesh ships one proxy image");
            }

            foreach (var variable in proxyConfig.Spec.EnvironmentVariables)
            {
                Set(variable);
                WarnIfUnread(name + ": environmentVariables", variable.Key, warnings);
            }
        }

        void Set(KeyValuePair<string, string> variable)
        {
            var index = merged.FindIndex(existing => existing.Key == variable.Key);
            if (index < 0) merged.Add(variable);
            else merged[index] = variable;
        }
    }

    /// <summary>The pod's own sampling; with enableTracing false, as in Istio, the proxy has no tracer for it to set.</summary>
    private static double? PodTraceSampling(double? sampling, InjectionSettings settings, ICollection<string> warnings)
    {
        if (sampling is null || settings.TracingEnabled) return sampling;
        warnings.Add($"annotation {ProxyConfig}: tracing.sampling has no effect: meshConfig enableTracing is false (a Telemetry naming a tracing provider still traces this pod)");
        return null;
    }

    private static void WarnIfUnread(string source, string variable, ICollection<string> warnings)
    {
        if (!SidecarTemplate.ProxyReads(variable))
        {
            // Most of Istio's are istio-agent's knobs (ISTIO_META_DNS_CAPTURE...), which this proxy has no counterpart of.
            warnings.Add($"{source} {variable} is set in the proxy's environment, but this proxy does not read it: no effect");
        }
    }

    private static bool IsIstioKey(string key)
    {
        foreach (var prefix in IstioPrefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Istio's userVolume and userVolumeMount: a JSON object of name → the volume (or mount) without its name, which
    /// Istio's template writes out under that name, in the order written.
    /// </summary>
    private static List<T> Named<T>(IDictionary<string, string> annotations, string key, Action<T, string> setName)
    {
        if (!annotations.TryGetValue(key, out var json)) return [];
        try
        {
            var named = new List<T>();
            if (System.Text.Json.Nodes.JsonNode.Parse(json) is not System.Text.Json.Nodes.JsonObject byName)
            {
                throw new InjectionException($"annotation {key}: expected a JSON object of names to {(typeof(T) == typeof(V1Volume) ? "volumes" : "volume mounts")}");
            }

            foreach (var (name, value) in byName)
            {
                var item = value is System.Text.Json.Nodes.JsonObject ? k8s.KubernetesJson.Deserialize<T>(value.ToJsonString()) : default;
                if (item is null) throw new InjectionException($"annotation {key}: {name}: expected an object");
                setName(item, name);
                named.Add(item);
            }

            return named;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException)
        {
            throw new InjectionException($"annotation {key}: not valid JSON: {e.Message}");
        }
    }

    /// <summary>Envoy's level names, as Istio accepts them, to .NET's.</summary>
    private static string DotnetLogLevel(string level) => level switch
    {
        "trace" => "Trace",
        "debug" => "Debug",
        "info" => "Information",
        "warning" or "warn" => "Warning",
        "error" => "Error",
        "critical" => "Critical",
        "off" => "None",
        _ => throw new InjectionException($"annotation {LogLevel}: \"{level}\" is not a log level (trace, debug, info, warning, error, critical or off)"),
    };

    /// <summary>
    /// The status port from its annotation. Istio reads a value that is not a number as 0 (no status); this refuses it,
    /// and a port the proxy already listens on, which would stop the proxy at start.
    /// </summary>
    private static int ReadStatusPort(IDictionary<string, string> annotations)
    {
        if (!annotations.TryGetValue(SidecarStatusPort, out var value))
        {
            return ProxyPorts.Status;
        }

        if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port > 65_535)
        {
            throw new InjectionException($"annotation {SidecarStatusPort}: \"{value}\" is not a port (0 to 65535; 0: no status port)");
        }

        var taken = port switch
        {
            ProxyPorts.Admin => "admin",
            ProxyPorts.Outbound => "outbound capture",
            ProxyPorts.Inbound => "inbound capture",
            ProxyPorts.Readiness => "readiness",
            ProxyPorts.Metrics => "metrics",
            _ => null,
        };
        return taken is null ? port : throw new InjectionException($"annotation {SidecarStatusPort}: {port} is already the proxy's {taken} port");
    }

    /// <summary>A whole number of 0 or more, as Istio validates these annotations (an unsigned 32-bit value).</summary>
    private static int? Seconds(IDictionary<string, string> annotations, string key) => !annotations.TryGetValue(key, out var value) ? null
        : int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number
        : throw new InjectionException($"annotation {key}: \"{value}\" is not a whole number of 0 or more");

    private static bool? Bool(IDictionary<string, string> annotations, string key)
    {
        if (!annotations.TryGetValue(key, out var value))
        {
            return null;
        }

        // Istio reads these with Go's strconv.ParseBool.
        return value switch
        {
            "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
            "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
            _ => throw new InjectionException($"annotation {key}: \"{value}\" is not a boolean"),
        };
    }

    /// <summary>
    /// Istio's template: any of the four annotations replaces the default resources entirely, requests and limits
    /// each present only when one of theirs is given.
    /// </summary>
    private static V1ResourceRequirements ReadResources(IDictionary<string, string> annotations, InjectionSettings settings)
    {
        var cpu = Quantity(annotations, ProxyCpu);
        var memory = Quantity(annotations, ProxyMemory);
        var cpuLimit = Quantity(annotations, ProxyCpuLimit);
        var memoryLimit = Quantity(annotations, ProxyMemoryLimit);
        if (cpu is null && memory is null && cpuLimit is null && memoryLimit is null)
        {
            return new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity>
                {
                    ["cpu"] = new(settings.ProxyCpuRequest), ["memory"] = new(settings.ProxyMemoryRequest),
                },
                Limits = new Dictionary<string, ResourceQuantity>
                {
                    ["cpu"] = new(settings.ProxyCpuLimit), ["memory"] = new(settings.ProxyMemoryLimit),
                },
            };
        }

        return new V1ResourceRequirements { Requests = Pair(cpu, memory), Limits = Pair(cpuLimit, memoryLimit) };

        static Dictionary<string, ResourceQuantity>? Pair(string? cpu, string? memory)
        {
            if (cpu is null && memory is null)
            {
                return null;
            }

            var pair = new Dictionary<string, ResourceQuantity>();
            if (cpu is not null)
            {
                pair["cpu"] = new ResourceQuantity(cpu);
            }

            if (memory is not null)
            {
                pair["memory"] = new ResourceQuantity(memory);
            }

            return pair;
        }
    }

    private static string? Quantity(IDictionary<string, string> annotations, string key)
    {
        if (!annotations.TryGetValue(key, out var value))
        {
            return null;
        }

        try
        {
            // The API server would refuse the pod for a bad quantity; saying which annotation it came from is kinder.
            _ = new ResourceQuantity(value).ToDecimal();
            return value;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new InjectionException($"annotation {key}: \"{value}\" is not a Kubernetes resource quantity");
        }
    }

    /// <summary>
    /// <c>proxy.istio.io/config</c> is a ProxyConfig in YAML or JSON; this injector honours its
    /// <c>holdApplicationUntilProxyStarts</c>, <c>concurrency</c>, <c>terminationDrainDuration</c>,
    /// <c>proxyMetadata</c> and <c>tracing.sampling</c>, and reports every other field it sets.
    /// </summary>
    private static ProxyConfigAnnotation ReadProxyConfig(string text, ICollection<string> warnings)
    {
        YamlMappingNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode as YamlMappingNode;
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InjectionException($"annotation {ProxyConfig}: not valid YAML or JSON: {e.Message}");
        }

        bool? hold = null;
        int? concurrency = null;
        TimeSpan? drain = null;
        double? sampling = null;
        var metadata = new List<KeyValuePair<string, string>>();
        if (root is null)
        {
            return new ProxyConfigAnnotation(hold, concurrency, drain, metadata, sampling);
        }

        foreach (var (key, value) in root.Children)
        {
            var name = (key as YamlScalarNode)?.Value;
            var scalar = (value as YamlScalarNode)?.Value;
            switch (name)
            {
                case "holdApplicationUntilProxyStarts":
                    hold = scalar switch
                    {
                        "true" or "True" or "TRUE" => true,
                        "false" or "False" or "FALSE" => false,
                        _ => throw new InjectionException($"annotation {ProxyConfig}: holdApplicationUntilProxyStarts: \"{scalar}\" is not a boolean"),
                    };
                    break;
                case "concurrency":
                    concurrency = int.TryParse(scalar, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var workers)
                        ? workers
                        : throw new InjectionException($"annotation {ProxyConfig}: concurrency: \"{scalar}\" is not a number of workers (0 or more)");
                    break;
                case "terminationDrainDuration":
                    drain = scalar is not null && Mesh.Istio.IstioDuration.TryParse(scalar, out var duration) && duration >= TimeSpan.Zero
                        ? duration
                        : throw new InjectionException($"annotation {ProxyConfig}: terminationDrainDuration: \"{scalar}\" is not a duration (\"5s\")");
                    break;
                case "proxyMetadata":
                    if (value is not YamlMappingNode variables)
                    {
                        throw new InjectionException($"annotation {ProxyConfig}: proxyMetadata: expected a map of environment variables");
                    }

                    foreach (var (variable, variableValue) in variables.Children)
                    {
                        if ((variable as YamlScalarNode)?.Value is not { Length: > 0 } variableName || variableValue is not YamlScalarNode { Value: var variableText })
                        {
                            throw new InjectionException($"annotation {ProxyConfig}: proxyMetadata: expected a map of names to string values");
                        }

                        metadata.Add(new(variableName, variableText ?? ""));
                        WarnIfUnread($"annotation {ProxyConfig}: proxyMetadata", variableName, warnings);
                    }

                    break;
                case "tracing":
                    sampling = ReadTracing(value, warnings);
                    break;
                default:
                    warnings.Add($"annotation {ProxyConfig}: field {name} is not implemented by this mesh's injector and has no effect");
                    break;
            }
        }

        return new ProxyConfigAnnotation(hold, concurrency, drain, metadata, sampling);
    }

    /// <summary>ProxyConfig <c>tracing</c>: its <c>sampling</c>, a percentage (Istio's per-pod sampling); its tracer settings (zipkin, custom tags...) are reported.</summary>
    private static double? ReadTracing(YamlNode value, ICollection<string> warnings)
    {
        if (value is not YamlMappingNode tracing)
        {
            throw new InjectionException($"annotation {ProxyConfig}: tracing: expected a mapping");
        }

        double? sampling = null;
        foreach (var (key, setting) in tracing.Children)
        {
            var name = (key as YamlScalarNode)?.Value;
            if (name != "sampling")
            {
                warnings.Add($"annotation {ProxyConfig}: field tracing.{name} is not implemented by this mesh's injector and has no effect");
                continue;
            }

            var text = (setting as YamlScalarNode)?.Value;
            sampling = double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var percent) && percent is >= 0 and <= 100
                ? percent
                : throw new InjectionException($"annotation {ProxyConfig}: tracing.sampling: \"{text}\" is not a percentage from 0 to 100");
        }

        return sampling;
    }

    private sealed record ProxyConfigAnnotation(bool? Hold, int? Concurrency, TimeSpan? TerminationDrainDuration, List<KeyValuePair<string, string>> ProxyMetadata,
        double? TraceSampling);
}
