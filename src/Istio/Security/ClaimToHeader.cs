namespace Mesh.Istio.Security;

/// <summary>A claim of a verified token copied to a request header.</summary>
public sealed record ClaimToHeader
{
    public string Header { get; init; } = "";
    public string Claim { get; init; } = "";
}
