using Mesh.Contracts.Discovery;

namespace Mesh.DiscoverySimulator;

/// <summary>Responses, bytes and resources received, per type in push order (cds, eds, lds, rds); tallies add and subtract, so a phase is "after minus before".</summary>
internal sealed class PushTally
{
    private readonly long[] _responses = new long[TypeUrls.PushOrder.Count];
    private readonly long[] _bytes = new long[TypeUrls.PushOrder.Count];
    private readonly long[] _resources = new long[TypeUrls.PushOrder.Count];

    public long Responses(int type) => _responses[type];
    public long Bytes(int type) => _bytes[type];
    public long Resources(int type) => _resources[type];

    public long TotalResponses => Sum(_responses);
    public long TotalBytes => Sum(_bytes);
    public long TotalResources => Sum(_resources);

    public void Add(int type, long responses, long bytes, long resources)
    {
        _responses[type] += responses;
        _bytes[type] += bytes;
        _resources[type] += resources;
    }

    public void Add(PushTally other, int sign = 1)
    {
        for (var i = 0; i < _responses.Length; i++) Add(i, sign * other._responses[i], sign * other._bytes[i], sign * other._resources[i]);
    }

    /// <summary>What arrived between <paramref name="before"/> and <paramref name="after"/>.</summary>
    public static PushTally Between(PushTally before, PushTally after)
    {
        var delta = new PushTally();
        delta.Add(after);
        delta.Add(before, -1);
        return delta;
    }

    private static long Sum(long[] values)
    {
        long total = 0;
        foreach (var value in values) total += value;
        return total;
    }
}
