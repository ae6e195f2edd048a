using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Security;

/// <summary>
/// Fetches, caches and refreshes the key sets of RequestAuthentication jwksUri values (or an issuer's OpenID discovery
/// document), as istiod does so proxies need no egress: the keys travel inline in their configuration. A URI never
/// fetched has no key set (its issuer's tokens fail closed); a refresh that fails keeps the last good key set, up to
/// <see cref="JwksFetcherOptions.MaxStaleness"/>. Every change of <see cref="Current"/> raises <see cref="Changed"/>.
/// </summary>
internal sealed class JwksFetcher : IDisposable
{
    private const string DiscoverySuffix = "/.well-known/openid-configuration";

    private readonly HttpClient _client;
    private readonly JwksFetcherOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private IReadOnlyDictionary<string, string> _current = new Dictionary<string, string>(StringComparer.Ordinal);
    private TimeSpan _retryDelay;

    /// <param name="handler">The HTTP handler (tests may pass their own); null: a pooled handler with system trust roots.</param>
    public JwksFetcher(JwksFetcherOptions options, TimeProvider time, ILogger logger, HttpMessageHandler? handler = null)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _client = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 3, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = options.MaxResponseBytes,
        };
        _client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _timer = time.CreateTimer(_ => _ = RefreshAsync(CancellationToken.None), null, options.RefreshInterval, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Raised (on a thread pool thread) with the URIs whose key set changed: fetched, replaced or dropped.</summary>
    public event Action<IReadOnlySet<string>>? Changed;

    /// <summary>The key sets fetched, by URI (the jwksUri, or the issuer's discovery URI); read without locks.</summary>
    public IReadOnlyDictionary<string, string> Current => Volatile.Read(ref _current);

    /// <summary>The URIs in use and their fetch timeouts: new ones are fetched at once, in the background; those gone are forgotten.</summary>
    public void Track(IReadOnlyDictionary<string, TimeSpan?> uris)
    {
        List<string>? added = null;
        lock (_gate)
        {
            foreach (var (uri, timeout) in uris)
            {
                if (_entries.TryGetValue(uri, out var entry))
                {
                    entry.Timeout = timeout ?? _options.DefaultTimeout;
                    continue;
                }
                _entries[uri] = new Entry { Timeout = timeout ?? _options.DefaultTimeout };
                (added ??= []).Add(uri);
            }
            var removed = false;
            foreach (var uri in _entries.Keys.ToList())
            {
                if (!uris.ContainsKey(uri)) removed |= _entries.Remove(uri);
            }
            if (removed) PublishLocked();
        }
        if (added is not null) _ = FetchAllAsync(added, CancellationToken.None);
    }

    /// <summary>Fetches every tracked key set again now (the timer calls it; tests may too); returns when all are done.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        List<string> uris;
        lock (_gate) uris = [.. _entries.Keys];
        await FetchAllAsync(uris, cancellationToken);
    }

    private async Task FetchAllAsync(List<string> uris, CancellationToken cancellationToken)
    {
        // One round at a time: a slow issuer must not stack rounds, and the timer is re-armed once per round.
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var results = await Task.WhenAll(uris.Select(uri => FetchOneAsync(uri, cancellationToken)));
            var changed = new HashSet<string>(StringComparer.Ordinal);
            var anyFailed = false;
            lock (_gate)
            {
                foreach (var (uri, keySet, error) in results)
                {
                    if (!_entries.TryGetValue(uri, out var entry)) continue;
                    anyFailed |= error is not null;
                    if (Apply(uri, entry, keySet, error)) changed.Add(uri);
                }
                if (changed.Count > 0) PublishLocked();
            }
            ScheduleNext(anyFailed);
            if (changed.Count > 0) Changed?.Invoke(changed);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Records one fetch's outcome; true when the key set served for the URI changed.</summary>
    private bool Apply(string uri, Entry entry, string? keySet, string? error)
    {
        var now = _time.GetUtcNow();
        if (error is null)
        {
            if (entry.Failures > 0) SecurityLog.JwksRecovered(_logger, uri, entry.Failures);
            entry.Failures = 0;
            entry.LastSuccess = now;
            var changed = entry.KeySet != keySet;
            entry.KeySet = keySet;
            return changed;
        }

        if (entry.Failures++ == 0)
        {
            // One line per failure episode; the recovery says how many attempts failed.
            SecurityLog.JwksFetchFailed(_logger, uri, error, entry.KeySet is null
                ? "its issuer's tokens are refused until a fetch succeeds"
                : "the last key set fetched is kept");
        }
        if (entry.KeySet is not null && now - entry.LastSuccess >= _options.MaxStaleness)
        {
            SecurityLog.JwksDropped(_logger, uri, _options.MaxStaleness);
            entry.KeySet = null;
            return true;
        }
        return false;
    }

    private void ScheduleNext(bool anyFailed)
    {
        TimeSpan next;
        lock (_gate)
        {
            _retryDelay = anyFailed ? (_retryDelay == TimeSpan.Zero ? _options.FirstRetryDelay : _retryDelay * 2) : TimeSpan.Zero;
            if (_retryDelay > _options.RefreshInterval) _retryDelay = _options.RefreshInterval;
            next = anyFailed ? _retryDelay : _options.RefreshInterval;
        }
        _timer.Change(next, Timeout.InfiniteTimeSpan);
    }

    private void PublishLocked()
    {
        var current = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (uri, entry) in _entries)
        {
            if (entry.KeySet is not null) current[uri] = entry.KeySet;
        }
        Volatile.Write(ref _current, current);
    }

    private async Task<(string Uri, string? KeySet, string? Error)> FetchOneAsync(string uri, CancellationToken cancellationToken)
    {
        TimeSpan timeout;
        lock (_gate) timeout = _entries.TryGetValue(uri, out var entry) ? entry.Timeout : _options.DefaultTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var keysUri = uri;
            if (uri.EndsWith(DiscoverySuffix, StringComparison.Ordinal))
            {
                using var discovery = await GetJsonAsync(uri, deadline.Token);
                if (!discovery.RootElement.TryGetProperty("jwks_uri", out var jwksUri) || jwksUri.ValueKind != JsonValueKind.String
                    || !Uri.TryCreate(jwksUri.GetString(), UriKind.Absolute, out var resolved) || resolved.Scheme is not ("http" or "https"))
                {
                    return (uri, null, "the OpenID discovery document has no http(s) jwks_uri");
                }
                keysUri = resolved.AbsoluteUri;
            }

            using var keys = await GetJsonAsync(keysUri, deadline.Token);
            if (!keys.RootElement.TryGetProperty("keys", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return (uri, null, "the answer is not a JSON Web Key Set (no \"keys\" array)");
            }
            return (uri, keys.RootElement.GetRawText(), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (uri, null, $"no answer within {timeout.TotalSeconds:0.###} s");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or InvalidDataException)
        {
            return (uri, null, e.Message);
        }
    }

    private async Task<JsonDocument> GetJsonAsync(string uri, CancellationToken cancellationToken)
    {
        using var response = await _client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} from {uri}");
        }
        if (response.Content.Headers.ContentLength > _options.MaxResponseBytes)
        {
            throw new InvalidDataException($"the answer is {response.Content.Headers.ContentLength} bytes, more than the {_options.MaxResponseBytes} a key set may be");
        }
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > _options.MaxResponseBytes)
            {
                throw new InvalidDataException($"the answer is more than the {_options.MaxResponseBytes} bytes a key set may be");
            }
            buffer.Write(chunk, 0, read);
        }
        return JsonDocument.Parse(buffer.ToArray());
    }

    public void Dispose()
    {
        _timer.Dispose();
        _client.Dispose();
        _refreshing.Dispose();
    }

    private sealed class Entry
    {
        public TimeSpan Timeout { get; set; }
        public string? KeySet { get; set; }
        public DateTimeOffset LastSuccess { get; set; }
        public int Failures { get; set; }
    }
}
