namespace Mesh.Istio.Analysis;

/// <summary>When a <see cref="NotEffectiveField"/> applies, beyond its kind and path.</summary>
public enum NotEffectiveWhen
{
    /// <summary>Wherever the field is written.</summary>
    Always,

    /// <summary>In a VirtualService that binds to sidecars only (no gateways, or only <c>mesh</c>): the field works on gateways.</summary>
    SidecarsOnly,

    /// <summary>In a VirtualService that binds to gateways only (names gateways, and not <c>mesh</c>): the field works on sidecars.</summary>
    GatewaysOnly,
}
