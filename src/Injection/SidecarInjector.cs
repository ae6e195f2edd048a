using System.Text.Encodings.Web;
using System.Text.Json;
using k8s.Models;

namespace Mesh.Injection;

/// <summary>
/// Injects one pod (or pod template) in place, as Istio's injector does: the policy first, then the template (capture
/// init container, proxy, volumes), the metadata, the metrics merge, the probe rewrite and the container order. The
/// webhook and <c>meshctl kube-inject</c> both come here, so the same input gives the same pod.
/// </summary>
public sealed class SidecarInjector(InjectionSettings settings)
{
    private const string RevisionAnnotation = "istio.io/rev";
    private const string TemplatesAnnotation = "inject.istio.io/templates";
    private const string DefaultContainer = "kubectl.kubernetes.io/default-container";
    private const string DefaultLogsContainer = "kubectl.kubernetes.io/default-logs-container";

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();

    public InjectionSettings Settings { get; } = settings;

    /// <summary>
    /// Injects the pod described by <paramref name="metadata"/> and <paramref name="spec"/>, changing them in place.
    /// Returns null when injected, else why the pod was left alone. Throws <see cref="InjectionException"/> for a pod
    /// that asks for something invalid. What the user should know (an annotation without effect) goes to <paramref name="warnings"/>.
    /// </summary>
    /// <param name="proxyConfigs">The ProxyConfig resources in force; null: none.</param>
    internal string? Inject(V1ObjectMeta metadata, V1PodSpec spec, WorkloadOwner owner, ICollection<string> warnings, ProxyConfigSet? proxyConfigs = null)
    {
        if (InjectionPolicy.SkipReason(metadata, spec, owner.Namespace, Settings, warnings) is { } reason)
        {
            return reason;
        }

        var gateway = IsGateway(metadata.Annotations);
        var layers = (proxyConfigs ?? ProxyConfigSet.Empty).For(owner.Namespace, (IReadOnlyDictionary<string, string>?)metadata.Labels?.AsReadOnly() ?? EmptyLabels, warnings);
        var options = PodAnnotations.Read(metadata, Settings, layers, warnings);
        spec.Containers ??= [];
        RefuseNameClashes(spec);
        RefuseUserVolumeClashes(spec, options.UserVolumes);

        // The pod's own istio-proxy container customizes the injected one (Istio's gateway Deployments all have one).
        var podsProxyIndex = spec.Containers.ToList().FindIndex(container => container.Name == SidecarTemplate.ProxyName);
        var podsProxy = podsProxyIndex >= 0 ? spec.Containers[podsProxyIndex] : null;
        if (podsProxy is not null)
        {
            spec.Containers.RemoveAt(podsProxyIndex);
        }

        var applications = spec.Containers.ToList();
        if (gateway)
        {
            InjectGateway(metadata, spec, owner, warnings, options, applications, podsProxy, podsProxyIndex);
            return null;
        }

        // interceptionMode NONE: nothing is captured, so no capture container.
        V1Container[] capture = options.Captured ? [SidecarTemplate.Capture(options, metadata.Annotations)] : [];
        var proxy = SidecarTemplate.Proxy(options, Settings, owner, applications);
        foreach (var mount in options.UserVolumeMounts) proxy.VolumeMounts.Add(mount);
        if (podsProxy is not null)
        {
            proxy = ProxyContainerOverlay.Apply(proxy, podsProxy, warnings);
        }

        metadata.Labels ??= new Dictionary<string, string>();
        metadata.Annotations ??= new Dictionary<string, string>();
        ApplyLabels(metadata.Labels, owner);
        if (applications.Count > 0)
        {
            metadata.Annotations.TryAdd(DefaultLogsContainer, applications[0].Name);
            metadata.Annotations.TryAdd(DefaultContainer, applications[0].Name);
        }

        if (PrometheusMerge.Apply(metadata.Annotations, options.MergePrometheus, options.StatusPort) is { } scrape)
        {
            proxy.Env.Add(new V1EnvVar { Name = PrometheusMerge.AnnotationsVariable, Value = scrape });
        }

        if (options.RewriteProbes && AppProbeRewriter.Rewrite(spec, options.StatusPort, warnings) is { } probers)
        {
            proxy.Env.Add(new V1EnvVar { Name = AppProbeRewriter.ProbersVariable, Value = probers });
        }

        // Istio's order: a native sidecar starts right after the capture container, before the app's own init
        // containers; a classic capture container runs last, so the app's init containers still reach the network.
        var initContainers = spec.InitContainers?.ToList() ?? [];
        if (options.Native)
        {
            initContainers.InsertRange(0, [.. capture, proxy]);
        }
        else
        {
            initContainers.AddRange(capture);
            // Last, so kubectl exec/logs pick the app; first when the app must wait for the proxy.
            if (options.HoldApplication)
            {
                spec.Containers.Insert(0, proxy);
            }
            else
            {
                spec.Containers.Add(proxy);
            }
        }

        spec.InitContainers = initContainers;
        spec.Volumes = [.. spec.Volumes ?? [], .. SidecarTemplate.Volumes(), .. options.UserVolumes];

        metadata.Annotations[RevisionAnnotation] = Settings.Revision;
        metadata.Annotations[InjectionPolicy.StatusAnnotation] = Status(options.Native, options.Captured);
        return null;
    }

    /// <summary>
    /// Which of Istio's templates <c>inject.istio.io/templates</c> names: the sidecar (the default) or the gateway. Istio
    /// also renders a list of templates over each other and custom templates from its config; neither is implemented,
    /// and a pod that names one is refused, as Istio refuses a template it does not know.
    /// </summary>
    private static bool IsGateway(IDictionary<string, string>? annotations)
    {
        string? value = null;
        if (annotations?.TryGetValue(TemplatesAnnotation, out value) != true || value!.Trim() is "" or "sidecar")
        {
            return false;
        }

        if (value.Trim() == GatewayTemplate.Name)
        {
            return true;
        }

        throw new InjectionException($"annotation {TemplatesAnnotation}: \"{value}\" is not a template this mesh injects: it has \"sidecar\" (the default) and \"gateway\", one at a time");
    }

    /// <summary>
    /// Istio's gateway template: the proxy in router mode in the pod's own istio-proxy container (or added when there is
    /// none), its volumes, the canonical-service labels and <c>istio.io/rev</c>, and Istio's metrics merge; no capture,
    /// no probe rewrite and no <c>security.istio.io/tlsMode</c> label.
    /// </summary>
    private void InjectGateway(V1ObjectMeta metadata, V1PodSpec spec, WorkloadOwner owner, ICollection<string> warnings, PodAnnotations options,
        List<V1Container> applications, V1Container? podsProxy, int podsProxyIndex)
    {
        GatewayTemplate.WarnSidecarOnly(metadata.Annotations, warnings);
        metadata.Labels ??= new Dictionary<string, string>();
        metadata.Annotations ??= new Dictionary<string, string>();
        var proxy = GatewayTemplate.Proxy(options, Settings, owner, applications);
        foreach (var mount in options.UserVolumeMounts) proxy.VolumeMounts.Add(mount);
        // As for a sidecar, Prometheus is pointed at the status port, where the gateway's metrics are.
        if (PrometheusMerge.Apply(metadata.Annotations, options.MergePrometheus, options.StatusPort) is { } scrape)
        {
            proxy.Env.Add(new V1EnvVar { Name = PrometheusMerge.AnnotationsVariable, Value = scrape });
        }

        if (podsProxy is not null)
        {
            proxy = ProxyContainerOverlay.Apply(proxy, podsProxy, warnings);
            spec.Containers.Insert(podsProxyIndex, proxy);
        }
        else
        {
            spec.Containers.Add(proxy);
        }

        ApplyCanonicalLabels(metadata.Labels, owner);
        metadata.Labels.TryAdd(RevisionAnnotation, Settings.Revision);
        if (applications.Count == 1)
        {
            metadata.Annotations.TryAdd(DefaultLogsContainer, applications[0].Name);
            metadata.Annotations.TryAdd(DefaultContainer, applications[0].Name);
        }

        spec.Volumes = [.. spec.Volumes ?? [], .. SidecarTemplate.Volumes(), .. options.UserVolumes];
        metadata.Annotations[RevisionAnnotation] = Settings.Revision;
        metadata.Annotations[InjectionPolicy.StatusAnnotation] = Status(native: false, captured: false);
    }

    private static void RefuseNameClashes(V1PodSpec spec)
    {
        // Two containers or volumes of one name would be refused by the API server anyway, less clearly. (A container
        // named istio-proxy is the pod's customization of the proxy, merged into it.)
        foreach (var container in spec.InitContainers ?? [])
        {
            if (container.Name is SidecarTemplate.ProxyName or SidecarTemplate.CaptureName)
            {
                throw new InjectionException($"the pod already has an init container named {container.Name}; customizing the injected sidecar with an init container is not implemented");
            }
        }

        foreach (var container in spec.Containers)
        {
            if (container.Name is SidecarTemplate.CaptureName)
            {
                throw new InjectionException($"the pod already has a container named {container.Name}, the injected capture container's name");
            }
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            if (Array.IndexOf(SidecarTemplate.VolumeNames, volume.Name) >= 0)
            {
                throw new InjectionException($"the pod already has a volume named {volume.Name}, which the sidecar needs");
            }
        }
    }

    /// <summary>A user volume named as one of the pod's or the sidecar's would be refused by the API server, less clearly.</summary>
    private static void RefuseUserVolumeClashes(V1PodSpec spec, IReadOnlyList<V1Volume> userVolumes)
    {
        foreach (var volume in userVolumes)
        {
            if (Array.IndexOf(SidecarTemplate.VolumeNames, volume.Name) >= 0 || (spec.Volumes?.Any(existing => existing.Name == volume.Name) ?? false))
            {
                throw new InjectionException($"annotation {PodAnnotations.UserVolume}: the pod already has a volume named {volume.Name}");
            }
        }
    }

    /// <summary>Istio's template labels: each kept when the pod already has it; the canonical service from the usual app labels.</summary>
    private static void ApplyLabels(IDictionary<string, string> labels, WorkloadOwner owner)
    {
        labels.TryAdd("security.istio.io/tlsMode", "istio");
        ApplyCanonicalLabels(labels, owner);
    }

    private static void ApplyCanonicalLabels(IDictionary<string, string> labels, WorkloadOwner owner)
    {
        labels.TryAdd("service.istio.io/canonical-name", First(labels, "app.kubernetes.io/name", "app") ?? owner.Name);
        labels.TryAdd("service.istio.io/canonical-revision", First(labels, "app.kubernetes.io/version", "version") ?? "latest");

        static string? First(IDictionary<string, string> labels, string preferred, string fallback) =>
            labels.TryGetValue(preferred, out var value) && value.Length > 0 ? value
            : labels.TryGetValue(fallback, out value) && value.Length > 0 ? value : null;
    }

    /// <summary>Istio's SidecarInjectionStatus JSON: what was added, so a re-injection (or an operator) can tell.</summary>
    private string Status(bool native, bool captured)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (captured || native)
            {
                json.WriteStartArray("initContainers");
                if (captured)
                {
                    json.WriteStringValue(SidecarTemplate.CaptureName);
                }

                if (native)
                {
                    json.WriteStringValue(SidecarTemplate.ProxyName);
                }

                json.WriteEndArray();
            }
            else
            {
                // Istio writes an empty list as null, as it does for containers below.
                json.WriteNull("initContainers");
            }
            if (native)
            {
                json.WriteNull("containers");
            }
            else
            {
                json.WriteStartArray("containers");
                json.WriteStringValue(SidecarTemplate.ProxyName);
                json.WriteEndArray();
            }

            json.WriteStartArray("volumes");
            foreach (var name in SidecarTemplate.VolumeNames)
            {
                json.WriteStringValue(name);
            }

            json.WriteEndArray();
            json.WriteNull("imagePullSecrets");
            json.WriteString("revision", Settings.Revision);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
