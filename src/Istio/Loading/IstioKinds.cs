using Mesh.Istio.Networking;
using Mesh.Istio.Observability;
using Mesh.Istio.Security;

namespace Mesh.Istio.Loading;

/// <summary>The kinds the mesh models, the API group and versions Istio serves each at, and how each spec is read.</summary>
internal static class IstioKinds
{
    public const string NetworkingGroup = "networking.istio.io";
    public const string SecurityGroup = "security.istio.io";
    public const string TelemetryGroup = "telemetry.istio.io";

    /// <summary>The API group of a modelled kind; null for kinds the mesh does not model (they are skipped).</summary>
    public static string? GroupOf(string kind) => kind switch
    {
        VirtualService.KindName or DestinationRule.KindName or Gateway.KindName
            or ServiceEntry.KindName or WorkloadEntry.KindName or Sidecar.KindName or ProxyConfig.KindName => NetworkingGroup,
        PeerAuthentication.KindName or AuthorizationPolicy.KindName or RequestAuthentication.KindName => SecurityGroup,
        Telemetry.KindName => TelemetryGroup,
        _ => null,
    };

    /// <summary>
    /// Istio's kinds the mesh loads without modelling them, by API group: they are kept as <see cref="UnsupportedResource"/>
    /// (metadata only) so that the analyzer reports each one as having no effect instead of skipping it unseen.
    /// </summary>
    public static string? UnmodelledGroupOf(string kind) => kind switch
    {
        "EnvoyFilter" or "WorkloadGroup" => NetworkingGroup,
        "WasmPlugin" => "extensions.istio.io",
        _ => null,
    };

    /// <summary>Versions Istio serves (all share one schema, so one model); ProxyConfig, the newest kind, has one.</summary>
    public static bool IsServedVersion(string kind, string group, string version) => kind == ProxyConfig.KindName ? version == ProxyConfig.ServedVersion : group switch
    {
        NetworkingGroup => version is "v1" or "v1beta1" or "v1alpha3",
        SecurityGroup => version is "v1" or "v1beta1",
        TelemetryGroup => version is "v1" or "v1alpha1",
        _ => false,
    };

    public static string ServedVersions(string kind, string group) => kind == ProxyConfig.KindName ? ProxyConfig.ServedVersion : group switch
    {
        NetworkingGroup => "v1, v1beta1, v1alpha3",
        TelemetryGroup => "v1, v1alpha1",
        _ => "v1, v1beta1",
    };

    public static IstioResource Create(string kind, string apiVersion, ResourceMetadata metadata, ConfigSource source, YamlMappingReader spec) => kind switch
    {
        VirtualService.KindName => new VirtualService { ApiVersion = apiVersion, Metadata = metadata, Source = source, Spec = VirtualServiceParser.ParseVirtualServiceSpec(spec) },
        DestinationRule.KindName => new DestinationRule { ApiVersion = apiVersion, Metadata = metadata, Source = source, Spec = DestinationRuleParser.ParseDestinationRuleSpec(spec) },
        Gateway.KindName => new Gateway { ApiVersion = apiVersion, Metadata = metadata, Source = source, Spec = GatewayParser.ParseGatewaySpec(spec) },
        ServiceEntry.KindName => new ServiceEntry { ApiVersion = apiVersion, Metadata = metadata, Source = source, Spec = ServiceEntryParser.ParseServiceEntrySpec(spec) },
        Sidecar.KindName => new Sidecar { ApiVersion = apiVersion, Metadata = metadata, Source = source, Spec = SidecarParser.ParseSidecarSpec(spec) },
        WorkloadEntry.KindName => new WorkloadEntry { ApiVersion = apiVersion, Metadata = metadata, Source = source, Spec = ServiceEntryParser.ParseWorkloadEntrySpec(spec) },
        PeerAuthentication.KindName => new PeerAuthentication { ApiVersion = apiVersion, Metadata = metadata, Source = source, Spec = SecurityParser.ParsePeerAuthenticationSpec(spec) },
        AuthorizationPolicy.KindName => new AuthorizationPolicy { ApiVersion = apiVersion, Metadata = metadata, Source = source, Spec = SecurityParser.ParseAuthorizationPolicySpec(spec) },
        RequestAuthentication.KindName => new RequestAuthentication { ApiVersion = apiVersion, Metadata = metadata, Source = source, Spec = SecurityParser.ParseRequestAuthenticationSpec(spec) },
        ProxyConfig.KindName => new ProxyConfig { ApiVersion = apiVersion, Metadata = metadata, Source = source, Spec = ProxyConfigParser.ParseProxyConfigSpec(spec) },
        Telemetry.KindName => new Telemetry { ApiVersion = apiVersion, Metadata = metadata, Source = source, Spec = TelemetryParser.ParseTelemetrySpec(spec) },
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a modelled kind"),
    };
}
