using System.Net;

namespace Mesh.Kubernetes.TestServer;

/// <summary>How a <see cref="TestApiServer"/> presents itself and where it draws its limits.</summary>
public sealed record TestApiServerOptions
{
    /// <summary>What <c>/version</c> answers as gitVersion (and major/minor derived from it).</summary>
    public string GitVersion { get; init; } = "v1.31.0";

    /// <summary>The clock for timestamps, token expiry and bookmark timers; the system clock when null.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>How many watch events the server remembers; a watch from an older resourceVersion gets 410 Gone.</summary>
    public int WatchHistoryLimit { get; init; } = 1000;

    /// <summary>How often a watch that asked for bookmarks gets one (the real server sends them about once a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>At most this many watches open at once; more are refused with 429.</summary>
    public int MaxWatches { get; init; } = 256;

    /// <summary>Events queued for one watch before the server drops it as too slow (clients re-watch, as with a real server).</summary>
    public int WatchQueueLimit { get; init; } = 10_000;

    /// <summary>Largest request body accepted (the real server's limit is 3 MiB).</summary>
    public long MaxRequestBodyBytes { get; init; } = 3 * 1024 * 1024;

    /// <summary>
    /// Where an admission webhook's <c>clientConfig.service</c> is reached: (namespace, name, port) → base URI
    /// (the service's path is appended). Tests run webhooks on 127.0.0.1, so there is no cluster DNS to resolve them.
    /// </summary>
    public IReadOnlyDictionary<(string Namespace, string Name, int Port), Uri> ServiceUrls { get; init; } =
        new Dictionary<(string Namespace, string Name, int Port), Uri>();

    /// <summary>
    /// Consulted, at each webhook call, for a service <see cref="ServiceUrls"/> has no entry for: (namespace, name, port)
    /// → base URI, or null when it cannot be reached (the call then fails as an unreachable service does). For
    /// addresses learnt after the server started (a container's).
    /// </summary>
    public Func<(string Namespace, string Name, int Port), Uri?>? ServiceResolver { get; init; }

    /// <summary>
    /// The address the server listens on, names in its URL and carries in its serving certificate (with 127.0.0.1 and
    /// localhost): a Docker network's gateway address lets containers on that network reach it. Must be one address,
    /// not a wildcard.
    /// </summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    /// <summary>
    /// Where pods/portforward connects for (namespace, pod, port): a TCP endpoint standing in for the pod's port (there
    /// is no kubelet). Null, or no callback: the forward reports the real server's "connection refused" on the port's
    /// error channel.
    /// </summary>
    public Func<string, string, int, EndPoint?>? PodPortTargets { get; init; }

    /// <summary>At most this many port forwards open at once; more are refused with 429.</summary>
    public int MaxPortForwards { get; init; } = 64;
}
