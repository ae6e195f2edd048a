namespace Mesh.Istio.Security;

/// <summary>One authorization rule: who (from), what (to) and under which conditions (when).</summary>
public sealed record Rule
{
    public IReadOnlyList<RuleFrom> From { get; init; } = [];
    public IReadOnlyList<RuleTo> To { get; init; } = [];
    public IReadOnlyList<Condition> When { get; init; } = [];
}
