using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Tests.Model;

/// <summary>Which key a mesh config change pushes: only Telemetry's tracing reads the providers and their sampling.</summary>
public sealed class MeshSettingsTests
{
    private static readonly TracingProviderTable Jaeger = new(new Dictionary<string, TracingProvider> { ["jaeger"] = new("opentelemetry", "http://jaeger:4317") });

    [Fact]
    public void ChangedKeys_ProvidersOrTheirSampling_TheProvidersKey_OutboundPolicy_TheMeshKey_NothingForAnEqualCopy()
    {
        var before = MeshSettings.Default with { TracingProviders = Jaeger };

        Assert.Empty(MeshSettings.ChangedKeys(before, before with { TracingProviders = new(Jaeger.ByName.ToDictionary()) }));
        Assert.Equal([MeshSettings.TracingProvidersKey], MeshSettings.ChangedKeys(before, before with { TracingProviders = TracingProviderTable.Empty }));
        Assert.Equal([MeshSettings.TracingProvidersKey], MeshSettings.ChangedKeys(before, before with { ProviderSampling = 10 }));
        Assert.Equal([MeshSettings.Key], MeshSettings.ChangedKeys(before, before with { OutboundTrafficPolicy = OutboundTrafficPolicyMode.RegistryOnly }));
        Assert.Equal([MeshSettings.TracingProvidersKey, MeshSettings.Key],
            MeshSettings.ChangedKeys(before, new MeshSettings(OutboundTrafficPolicyMode.RegistryOnly) { ProviderSampling = 10 }).OrderBy(k => k.Name == "mesh"));
    }
}
