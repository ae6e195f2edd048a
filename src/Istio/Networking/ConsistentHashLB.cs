namespace Mesh.Istio.Networking;

/// <summary>Session affinity by a hash of a header, cookie, source IP or query parameter.</summary>
public sealed record ConsistentHashLB
{
    public string? HttpHeaderName { get; init; }
    public HttpCookie? HttpCookie { get; init; }
    public bool UseSourceIp { get; init; }
    public string? HttpQueryParameterName { get; init; }
    public RingHash? RingHash { get; init; }
    public MagLev? Maglev { get; init; }
    public ulong? MinimumRingSize { get; init; }
}
