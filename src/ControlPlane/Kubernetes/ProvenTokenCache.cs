using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Mesh.Security;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// Tokens a TokenReview proved, for a short while: a proxy's reconnect storm does not become a TokenReview storm.
/// Keyed by the token's SHA-256 (the token itself is not kept), bounded in size, and no entry outlives its token.
/// </summary>
internal sealed class ProvenTokenCache(TimeProvider time, TimeSpan lifetime, int maxEntries)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public static string Key(string token) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public bool TryGet(string key, out SpiffeId identity, out string subject)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            if (entry.Until > time.GetUtcNow())
            {
                (identity, subject) = (entry.Identity, entry.Subject);
                return true;
            }

            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        }

        (identity, subject) = (null!, string.Empty);
        return false;
    }

    /// <param name="tokenExpiry">The token's own expiry (its exp claim); null when it has none.</param>
    public void Add(string key, SpiffeId identity, string subject, DateTimeOffset? tokenExpiry)
    {
        var now = time.GetUtcNow();
        var until = now + lifetime;
        if (tokenExpiry < until)
        {
            until = tokenExpiry.Value;
        }

        if (until <= now)
        {
            return;
        }

        if (_entries.Count >= maxEntries)
        {
            foreach (var (staleKey, stale) in _entries)
            {
                if (stale.Until <= now) _entries.TryRemove(new KeyValuePair<string, Entry>(staleKey, stale));
            }

            // Still full of live entries: this token is reviewed again next time, the memory stays bounded.
            if (_entries.Count >= maxEntries) return;
        }

        _entries[key] = new Entry(identity, subject, until);
    }

    private sealed record Entry(SpiffeId Identity, string Subject, DateTimeOffset Until);
}
