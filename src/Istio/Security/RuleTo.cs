namespace Mesh.Istio.Security;

/// <summary>An operation that a rule matches.</summary>
public sealed record RuleTo
{
    public Operation? Operation { get; init; }
}
