using Mesh.Istio;

namespace Mesh.ControlPlane.Discovery;

/// <summary>
/// Why a push happens, as istiod's PushRequest: which resources changed (a full push lists none: anything may have),
/// the reasons, and when the oldest change merged into it happened. Requests merge — in the debouncer, and per
/// connection while one waits — so a proxy handles one push for many changes.
/// </summary>
internal sealed class PushRequest
{
    private PushRequest(bool isFull, IReadOnlySet<ConfigKey> configsUpdated, PushReasons reasons, DateTimeOffset start)
    {
        IsFull = isFull;
        ConfigsUpdated = configsUpdated;
        Reasons = reasons;
        Start = start;
    }

    /// <summary>Every proxy regenerates: at start, or when what changed is not known.</summary>
    public static PushRequest Full(PushReasons reason, DateTimeOffset start) => new(true, new HashSet<ConfigKey>(), reason, start);

    /// <summary>The resources a source change touched; proxies that depend on none of them skip the push.</summary>
    public static PushRequest ForConfigs(IReadOnlySet<ConfigKey> keys, DateTimeOffset start) => new(false, keys, PushReasons.Config, start);

    public bool IsFull { get; }

    /// <summary>Empty for a full push.</summary>
    public IReadOnlySet<ConfigKey> ConfigsUpdated { get; }

    public PushReasons Reasons { get; }

    /// <summary>When the oldest change in this request happened: convergence is measured from here.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>A request covering both: full if either is, the union of their changes and reasons, the earlier start.</summary>
    public PushRequest Merge(PushRequest? other)
    {
        if (other is null) return this;
        var isFull = IsFull || other.IsFull;
        IReadOnlySet<ConfigKey> keys;
        if (isFull) keys = new HashSet<ConfigKey>();
        else
        {
            var union = new HashSet<ConfigKey>(ConfigsUpdated);
            union.UnionWith(other.ConfigsUpdated);
            keys = union;
        }
        return new PushRequest(isFull, keys, Reasons | other.Reasons, Start < other.Start ? Start : other.Start);
    }

    /// <summary>"full (global)", or "2 configs changed (config)", for logs.</summary>
    public override string ToString() => IsFull ? $"full ({Reasons.Describe()})" : $"{ConfigsUpdated.Count} configs changed ({Reasons.Describe()})";
}
