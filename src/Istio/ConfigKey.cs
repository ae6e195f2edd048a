namespace Mesh.Istio;

/// <summary>
/// Names one Istio resource whatever its content: kind, namespace and name. The unit of change a config source reports
/// and a push request carries (istiod's ConfigKey).
/// </summary>
public readonly record struct ConfigKey(string Kind, string Namespace, string Name)
{
    public override string ToString() => $"{Kind} {Namespace}/{Name}";
}
