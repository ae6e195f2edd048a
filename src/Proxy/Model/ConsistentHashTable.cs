using System.IO.Hashing;
using System.Text;

namespace Mesh.Proxy.Model;

/// <summary>
/// A consistent-hash lookup structure over one set of endpoints, built once per snapshot. Hosts are placed by the
/// 64-bit xxHash (seed 0) of their "address:port", as Envoy places them, so the same endpoints give the same table on
/// every proxy and after every restart.
/// </summary>
internal abstract class ConsistentHashTable(EndpointModel[] hosts)
{
    /// <summary>The endpoints the table places, in the order its entries index.</summary>
    public EndpointModel[] Hosts { get; } = hosts;

    /// <summary>
    /// The endpoint for <paramref name="hash"/> among <paramref name="available"/> (all of <see cref="Hosts"/> when
    /// <paramref name="allAvailable"/>); <paramref name="attempt"/> &gt; 0 asks for another choice for a retry, as
    /// Envoy's host selection retries do. An unavailable endpoint's keys go to the next choice; no other key moves.
    /// </summary>
    public abstract EndpointModel? Pick(ulong hash, int attempt, EndpointModel[] available, bool allAvailable);

    public static ulong HashOf(string text) => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(text));

    public static ulong HashOf(string text, long seed) => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(text), seed);

    protected static bool IsAvailable(EndpointModel host, EndpointModel[] available, bool allAvailable) =>
        allAvailable || Array.IndexOf(available, host) >= 0;
}
