namespace Mesh.Meshctl.Local;

/// <summary>One instance of the sample app and the ports of it and its sidecar.</summary>
internal sealed record LocalWorkload(
    string Name,
    string Service,
    string Version,
    string? Upstream,
    int AppPort,
    int InboundPort,
    int OutboundPort,
    int AdminPort)
{
    /// <summary>The placeholder in deploy/local that carries this workload's inbound port.</summary>
    public string InboundPlaceholder => Name switch
    {
        "frontend-v1" => "frontendInboundPort",
        "backend-v1" => "backendV1InboundPort",
        "backend-v2" => "backendV2InboundPort",
        _ => throw new InvalidOperationException($"no placeholder for workload {Name}"),
    };
}
