// What Istio's Telemetry resources say of one proxy's traffic, as its listeners carry it.
using Mesh.Cel;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.Istio.Observability;
using Mesh.Istio.Validation;
using IstioMetric = Mesh.Contracts.Discovery.IstioMetric;
using TelemetryMetric = Mesh.Istio.Observability.IstioMetric;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Istio's Telemetry hierarchy: the root namespace's Telemetry without selector, then the proxy namespace's, then the
/// ones of its namespace that select it (by selector, or a Gateway API gateway by targetRefs), each level overriding
/// the one before. Of several Telemetries without selector in one namespace the first by name counts, where Istio
/// takes the oldest: our Istio resources carry no creation time. Inbound listeners get the server side's settings,
/// outbound and gateway listeners the client side's.
/// </summary>
internal static class TelemetryResolver
{
    /// <summary>Sets each listener's telemetry; leaves it unset where no Telemetry says anything of its side.</summary>
    public static void Apply(ProxyContext proxy, MeshSnapshot snapshot, List<Listener> listeners)
    {
        if (snapshot.Telemetries.Count == 0) return;
        var levels = Applying(snapshot, proxy.Namespace, proxy.Labels);
        if (levels.Count == 0) return;
        var client = Side(levels, WorkloadMode.Client, snapshot.Mesh);
        var server = Side(levels, WorkloadMode.Server, snapshot.Mesh);
        for (var i = 0; i < listeners.Count; i++)
        {
            // A copy: a captured sidecar's hand-off listeners are shared with other proxies, whose Telemetry may differ.
            var listener = listeners[i].Clone();
            listener.Telemetry = listener.Direction == TrafficDirection.Inbound ? server : client;
            listeners[i] = listener;
        }
    }

    /// <summary>Whether a Telemetry that applies to the proxy names a tracing provider, which the mesh config's extensionProviders then resolve.</summary>
    public static bool NamesTracingProvider(ProxyContext proxy, MeshSnapshot snapshot)
    {
        if (snapshot.Telemetries.Count == 0) return false;
        foreach (var level in Applying(snapshot, proxy.Namespace, proxy.Labels))
        {
            foreach (var tracing in level.Spec.Tracing)
            {
                if (tracing.Providers.Count > 0) return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Each Telemetry tracing entry whose provider (its first, the one Istio uses) the mesh config cannot export to:
    /// not defined in extensionProviders, or not opentelemetry. Istio says nothing of these where a user looks; the
    /// sides they apply to report no spans.
    /// </summary>
    public static IEnumerable<string> UnusableTracingProviders(MeshSnapshot snapshot)
    {
        foreach (var telemetry in snapshot.Telemetries)
        {
            for (var i = 0; i < telemetry.Spec.Tracing.Count; i++)
            {
                var providers = telemetry.Spec.Tracing[i].Providers;
                if (providers.Count == 0) continue;
                var provider = TraceProvider(providers[0].Name, snapshot.Mesh.TracingProviders);
                if (provider.Unavailable.Length == 0) continue;
                yield return $"Telemetry {telemetry.Metadata.Namespace}/{telemetry.Metadata.Name} spec.tracing[{i}].providers[0]: \"{provider.Name}\" is {provider.Unavailable}; "
                    + "the proxies it applies to report no spans for its side";
            }
        }
    }

    /// <summary>The Telemetries that apply to a proxy of this namespace and these labels, least specific first.</summary>
    private static List<Telemetry> Applying(MeshSnapshot snapshot, string proxyNamespace, IReadOnlyDictionary<string, string> labels)
    {
        Telemetry? root = null, ofNamespace = null;
        List<Telemetry>? selecting = null;
        foreach (var telemetry in snapshot.Telemetries)
        {
            var ns = telemetry.Metadata.Namespace;
            if (IsNamespaceWide(telemetry.Spec))
            {
                if (ns == MeshSettings.RootNamespace) root ??= telemetry;
                else if (ns == proxyNamespace) ofNamespace ??= telemetry;
            }
            else if (ns == proxyNamespace
                && PolicyScope.Applies(ns, telemetry.Spec.Selector, telemetry.Spec.TargetRef, telemetry.Spec.TargetRefs, proxyNamespace, labels))
            {
                (selecting ??= []).Add(telemetry);
            }
        }

        var levels = new List<Telemetry>(2 + (selecting?.Count ?? 0));
        if (root is not null) levels.Add(root);
        if (ofNamespace is not null) levels.Add(ofNamespace);
        if (selecting is not null) levels.AddRange(selecting);
        return levels;
    }

    /// <summary>No selector labels and no targetRefs: the namespace's (or, in the root namespace, the mesh's) Telemetry.</summary>
    private static bool IsNamespaceWide(TelemetrySpec spec) =>
        spec.TargetRef is null && spec.TargetRefs.Count == 0 && (spec.Selector?.MatchLabels.Count ?? 0) == 0;

    /// <summary>One side's settings, each field from the most specific level that sets it; null when none does.</summary>
    private static ListenerTelemetry? Side(List<Telemetry> levels, WorkloadMode side, MeshSettings mesh)
    {
        var result = new ListenerTelemetry { AccessLog = AccessLog(levels, side), AccessLogFilter = AccessLogFilter(levels, side) };
        MetricOverrides(levels, side, result);
        string? providerName = null;
        foreach (var level in levels)
        {
            foreach (var tracing in level.Spec.Tracing)
            {
                if (!Matches(tracing.Match, side)) continue;
                // Istio traces to one provider per side: the first named by the most specific entry that names any.
                if (tracing.Providers.Count > 0) providerName = tracing.Providers[0].Name;
                if (tracing.RandomSamplingPercentage is { } percentage) result.TraceSamplingPercent = percentage;
                if (tracing.DisableSpanReporting is { } disable) result.DisableSpanReporting = disable;
                if (tracing.EnableIstioTags is { } istioTags) result.DisableIstioTags = !istioTags;
                if (tracing.CustomTags.Count > 0)
                {
                    // As in Istio, a level's custom tags replace its parent's whole set.
                    result.CustomTags.Clear();
                    foreach (var (name, tag) in tracing.CustomTags.OrderBy(static t => t.Key, StringComparer.Ordinal)) result.CustomTags.Add(CustomTag(name, tag));
                }
            }
        }
        if (providerName is not null)
        {
            result.TraceProvider = TraceProvider(providerName, mesh.TracingProviders);
            if (!result.HasTraceSamplingPercent && mesh.ProviderSampling is { } sampling) result.TraceSamplingPercent = sampling;
        }
        return result.Equals(new ListenerTelemetry()) ? null : result;
    }

    /// <summary>
    /// A provider by name, as meshConfig extensionProviders defines it. One that is not defined, or is not
    /// opentelemetry, gets no endpoint: Istio then configures no tracer for the side, so its spans are not reported.
    /// </summary>
    private static TraceProvider TraceProvider(string name, TracingProviderTable providers)
    {
        if (!providers.ByName.TryGetValue(name, out var provider))
        {
            return new TraceProvider { Name = name, Unavailable = "not defined in meshConfig extensionProviders" };
        }

        if (provider.OtlpEndpoint is not { } endpoint)
        {
            return new TraceProvider { Name = name, Unavailable = $"a {provider.Kind} provider: only opentelemetry tracing providers are implemented" };
        }

        var resolved = new TraceProvider { Name = name, OtlpEndpoint = endpoint, OtlpOverHttp = provider.OtlpOverHttp };
        if (provider.Http is { } http)
        {
            resolved.TimeoutMs = (uint)Math.Min(http.Timeout.TotalMilliseconds, uint.MaxValue);
            foreach (var (header, value) in http.Headers) resolved.HttpHeaders[header] = value;
        }
        return resolved;
    }

    /// <summary>
    /// Istio's mergeLogs for the one provider this mesh has: the providers in scope are those of the last entry that
    /// names any; an entry naming none acts on the previous entry's; each entry turns its providers on, or off with
    /// <c>disabled</c>. Unset when <c>envoy</c> is never in play, so the proxy's --access-log (meshConfig.accessLogFile)
    /// decides, as Istio falls back to it when no provider is configured.
    /// </summary>
    private static TelemetrySwitch AccessLog(List<Telemetry> levels, WorkloadMode side)
    {
        var envoyInScope = false;
        foreach (var level in levels)
        {
            foreach (var entry in level.Spec.AccessLogging)
            {
                if (Matches(entry.Match, side) && entry.Providers.Count > 0) envoyInScope = NamesEnvoy(entry.Providers);
            }
        }
        if (!envoyInScope) return TelemetrySwitch.Unset;

        var state = TelemetrySwitch.Unset;
        var parentNamesEnvoy = false;
        foreach (var level in levels)
        {
            foreach (var entry in level.Spec.AccessLogging)
            {
                if (!Matches(entry.Match, side)) continue;
                var namesEnvoy = entry.Providers.Count > 0 ? NamesEnvoy(entry.Providers) : parentNamesEnvoy;
                parentNamesEnvoy = namesEnvoy;
                if (namesEnvoy) state = entry.Disabled == true ? TelemetrySwitch.Off : TelemetrySwitch.On;
            }
        }
        return state;
    }

    /// <summary>
    /// Istio's mergeMetrics for the one metrics provider this mesh has, prometheus (the default provider of Istio's
    /// install): the providers in scope are those of the last entry that names any, else prometheus; an entry naming
    /// none acts on the previous entry's; each override applies to its metrics (all of them when it names none, or
    /// ALL_METRICS) for its mode: <c>disabled</c> sets or clears them, and each tag override replaces the one before
    /// for its tag. Out of scope, prometheus records nothing, as Istio then installs no prometheus stats. Custom
    /// metrics are not ours (the analyzer says so); an UPSERT is a validation warning.
    /// </summary>
    private static void MetricOverrides(List<Telemetry> levels, WorkloadMode side, ListenerTelemetry result)
    {
        var prometheusInScope = true;
        foreach (var level in levels)
        {
            foreach (var entry in level.Spec.Metrics)
            {
                if (entry.Providers.Count > 0) prometheusInScope = NamesPrometheus(entry.Providers);
            }
        }
        if (!prometheusInScope)
        {
            result.DisabledMetrics.AddRange(AllMetrics);
            return;
        }

        var disabled = new SortedSet<IstioMetric>();
        var tags = new SortedDictionary<IstioMetric, SortedDictionary<string, TagOperation>>();
        var parentNamesPrometheus = true;
        foreach (var level in levels)
        {
            foreach (var entry in level.Spec.Metrics)
            {
                var namesPrometheus = entry.Providers.Count > 0 ? NamesPrometheus(entry.Providers) : parentNamesPrometheus;
                parentNamesPrometheus = namesPrometheus;
                if (!namesPrometheus) continue;
                foreach (var metricOverride in entry.Overrides)
                {
                    var match = metricOverride.Match;
                    if (match?.CustomMetric is not null || !Matches(match?.Mode, side)) continue;
                    foreach (var metric in match?.Metric is { } named && named != TelemetryMetric.AllMetrics ? [Standard(named)] : AllMetrics)
                    {
                        if (metric == IstioMetric.Unspecified) continue;
                        if (metricOverride.Disabled == true) disabled.Add(metric);
                        else if (metricOverride.Disabled == false) disabled.Remove(metric);
                        foreach (var (tag, tagOverride) in metricOverride.TagOverrides)
                        {
                            if (!tags.TryGetValue(metric, out var ofMetric)) tags[metric] = ofMetric = new(StringComparer.Ordinal);
                            ofMetric[tag] = tagOverride.Operation;
                        }
                    }
                }
            }
        }

        result.DisabledMetrics.AddRange(disabled);
        foreach (var (metric, ofMetric) in tags)
        {
            var removal = new MetricLabelRemoval { Metric = metric };
            foreach (var (tag, operation) in ofMetric)
            {
                if (operation == TagOperation.Remove) removal.Labels.Add(tag);
            }
            if (removal.Labels.Count > 0) result.RemovedMetricLabels.Add(removal);
        }
    }

    private static readonly IstioMetric[] AllMetrics =
    [
        IstioMetric.RequestCount, IstioMetric.RequestDuration, IstioMetric.RequestSize, IstioMetric.ResponseSize,
        IstioMetric.TcpOpenedConnections, IstioMetric.TcpClosedConnections, IstioMetric.TcpSentBytes, IstioMetric.TcpReceivedBytes,
    ];

    /// <summary>The proxy's metric; Unspecified for the gRPC message counts, which this proxy does not record.</summary>
    private static IstioMetric Standard(TelemetryMetric metric) => metric switch
    {
        TelemetryMetric.RequestCount => IstioMetric.RequestCount,
        TelemetryMetric.RequestDuration => IstioMetric.RequestDuration,
        TelemetryMetric.RequestSize => IstioMetric.RequestSize,
        TelemetryMetric.ResponseSize => IstioMetric.ResponseSize,
        TelemetryMetric.TcpOpenedConnections => IstioMetric.TcpOpenedConnections,
        TelemetryMetric.TcpClosedConnections => IstioMetric.TcpClosedConnections,
        TelemetryMetric.TcpSentBytes => IstioMetric.TcpSentBytes,
        TelemetryMetric.TcpReceivedBytes => IstioMetric.TcpReceivedBytes,
        _ => IstioMetric.Unspecified,
    };

    private static bool NamesPrometheus(IReadOnlyList<TelemetryProviderRef> providers)
    {
        foreach (var provider in providers)
        {
            if (TelemetryValidator.IsPrometheus(provider.Name)) return true;
        }
        return false;
    }

    /// <summary>
    /// Istio's filter for a provider: that of the last entry for this side naming the provider explicitly; empty when
    /// it has none, or one the proxies cannot evaluate (the loader warned of it).
    /// </summary>
    private static string AccessLogFilter(List<Telemetry> levels, WorkloadMode side)
    {
        var filter = "";
        foreach (var level in levels)
        {
            foreach (var entry in level.Spec.AccessLogging)
            {
                if (Matches(entry.Match, side) && NamesEnvoy(entry.Providers)) filter = entry.Filter?.Expression ?? "";
            }
        }
        return filter.Length > 0 && CelExpression.TryParse(filter, out _, out _) ? filter : "";
    }

    private static bool NamesEnvoy(IReadOnlyList<TelemetryProviderRef> providers)
    {
        foreach (var provider in providers)
        {
            if (TelemetryValidator.IsEnvoy(provider.Name)) return true;
        }
        return false;
    }

    private static bool Matches(WorkloadModeMatch? match, WorkloadMode side) => Matches(match?.Mode, side);

    private static bool Matches(WorkloadMode? mode, WorkloadMode side) => mode is null or WorkloadMode.ClientAndServer || mode == side;

    private static SpanCustomTag CustomTag(string name, CustomTag tag) => tag switch
    {
        { Literal: { } literal } => new SpanCustomTag { Tag = name, Source = SpanTagSource.Literal, Value = literal.Value },
        { Environment: { } environment } => new SpanCustomTag
            { Tag = name, Source = SpanTagSource.Environment, Value = environment.Name, DefaultValue = environment.DefaultValue },
        { Header: { } header } => new SpanCustomTag
            { Tag = name, Source = SpanTagSource.RequestHeader, Value = header.Name, DefaultValue = header.DefaultValue },
        _ => new SpanCustomTag { Tag = name, Source = SpanTagSource.Literal },
    };
}
