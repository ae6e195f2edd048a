namespace Mesh.Istio.Security;

/// <summary>A source of requests that a rule matches.</summary>
public sealed record RuleFrom
{
    public Source? Source { get; init; }
}
