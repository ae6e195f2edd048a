using Mesh.ControlPlane.Security;
using Mesh.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Security;

/// <summary>
/// The control plane's JWKS fetcher against a real HTTP server on 127.0.0.1, with time moved by hand: first fetch,
/// periodic refresh, fail closed when never fetched, the last good key set kept on a failed refresh, the size cap,
/// and an issuer's OpenID discovery document.
/// </summary>
public sealed class JwksFetcherTests
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(20);

    [Fact]
    public async Task Track_NewUri_FetchedAndChangeRaised()
    {
        using var issuer = TestJwtIssuer.Rsa("https://issuer.example.com");
        await using var server = await KeyServer.StartAsync(issuer.Jwks());
        using var fetcher = new JwksFetcher(new JwksFetcherOptions(), new FakeTimeProvider(), NullLogger());
        var changed = new TaskCompletionSource<IReadOnlySet<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        fetcher.Changed += uris => changed.TrySetResult(uris);

        fetcher.Track(new Dictionary<string, TimeSpan?> { [server.KeysUri] = null });

        Assert.Equal([server.KeysUri], await changed.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(Normalized(issuer.Jwks()), Normalized(fetcher.Current[server.KeysUri]));
    }

    [Fact]
    public async Task Refresh_KeysRotated_NewKeySetAfterTheRefreshInterval()
    {
        using var first = TestJwtIssuer.Rsa("https://issuer.example.com");
        using var second = TestJwtIssuer.EllipticCurve("https://issuer.example.com");
        await using var server = await KeyServer.StartAsync(first.Jwks());
        var clock = new ArmedClock();
        using var fetcher = new JwksFetcher(new JwksFetcherOptions { RefreshInterval = Refresh }, clock, NullLogger());
        fetcher.Track(new Dictionary<string, TimeSpan?> { [server.KeysUri] = null });
        await Eventually.TrueAsync(() => clock.Armed == 1, "the first fetch, and the next round armed");
        Assert.True(fetcher.Current.ContainsKey(server.KeysUri));

        server.Body = second.Jwks();
        clock.Fake.Advance(Refresh - TimeSpan.FromSeconds(1));
        Assert.Equal(1, server.Requests);
        clock.Fake.Advance(TimeSpan.FromSeconds(1));

        await Eventually.TrueAsync(() => Normalized(fetcher.Current[server.KeysUri]) == Normalized(second.Jwks()), "the rotated key set");
    }

    [Fact]
    public async Task Fetch_FailsUntilFixed_NoKeySetOneLogLineThenRecovery()
    {
        using var issuer = TestJwtIssuer.Rsa("https://issuer.example.com");
        await using var server = await KeyServer.StartAsync(issuer.Jwks());
        server.Status = StatusCodes.Status503ServiceUnavailable;
        var clock = new ArmedClock();
        var log = new LogCapture();
        using var fetcher = new JwksFetcher(new JwksFetcherOptions { RefreshInterval = Refresh }, clock, Logger(log));

        fetcher.Track(new Dictionary<string, TimeSpan?> { [server.KeysUri] = null });
        await Eventually.TrueAsync(() => clock.Armed == 1, "the first failed fetch, and the retry armed");
        Assert.Equal(1, server.Requests);
        // Retries come sooner than the refresh interval (1 s, then 2 s, ...), and say nothing more.
        clock.Fake.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => clock.Armed == 2, "the first retry");
        Assert.Equal(2, server.Requests);
        clock.Fake.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => clock.Armed == 3, "the second retry");
        Assert.Equal(3, server.Requests);

        Assert.False(fetcher.Current.ContainsKey(server.KeysUri));
        var failed = Assert.Single(log.Lines);
        Assert.Equal(305, failed.EventId);
        Assert.Contains("HTTP 503", failed.Message, StringComparison.Ordinal);
        Assert.Contains("refused until a fetch succeeds", failed.Message, StringComparison.Ordinal);

        server.Status = StatusCodes.Status200OK;
        clock.Fake.Advance(TimeSpan.FromSeconds(4));
        await Eventually.TrueAsync(() => fetcher.Current.ContainsKey(server.KeysUri), "the recovered fetch");
        Assert.Equal(306, log.Lines[^1].EventId);
    }

    [Fact]
    public async Task Refresh_Fails_LastGoodKeySetKept()
    {
        using var issuer = TestJwtIssuer.Rsa("https://issuer.example.com");
        await using var server = await KeyServer.StartAsync(issuer.Jwks());
        var clock = new ArmedClock();
        using var fetcher = new JwksFetcher(new JwksFetcherOptions { RefreshInterval = Refresh }, clock, NullLogger());
        fetcher.Track(new Dictionary<string, TimeSpan?> { [server.KeysUri] = null });
        await Eventually.TrueAsync(() => clock.Armed == 1, "the first fetch, and the next round armed");

        server.Status = StatusCodes.Status500InternalServerError;
        clock.Fake.Advance(Refresh);
        await Eventually.TrueAsync(() => clock.Armed == 2, "the failed refresh");
        await fetcher.RefreshAsync(CancellationToken.None);

        Assert.Equal(Normalized(issuer.Jwks()), Normalized(fetcher.Current[server.KeysUri]));
    }

    [Fact]
    public async Task Fetch_AnswerOverTheSizeCap_Failed()
    {
        using var issuer = TestJwtIssuer.Rsa("https://issuer.example.com");
        await using var server = await KeyServer.StartAsync(issuer.Jwks());
        var log = new LogCapture();
        using var fetcher = new JwksFetcher(new JwksFetcherOptions { MaxResponseBytes = 64 }, new FakeTimeProvider(), Logger(log));

        fetcher.Track(new Dictionary<string, TimeSpan?> { [server.KeysUri] = null });

        await Eventually.TrueAsync(() => log.Lines.Count == 1, "the refused answer");
        Assert.Contains("more than the 64 bytes", log.Lines[0].Message, StringComparison.Ordinal);
        Assert.Empty(fetcher.Current);
    }

    [Fact]
    public async Task Fetch_IssuerDiscoveryDocument_KeysFromItsJwksUri()
    {
        using var issuer = TestJwtIssuer.Rsa("https://issuer.example.com");
        await using var server = await KeyServer.StartAsync(issuer.Jwks());
        using var fetcher = new JwksFetcher(new JwksFetcherOptions(), new FakeTimeProvider(), NullLogger());
        var discovery = server.BaseUri + "/.well-known/openid-configuration";

        fetcher.Track(new Dictionary<string, TimeSpan?> { [discovery] = null });

        await Eventually.TrueAsync(() => fetcher.Current.ContainsKey(discovery), "the keys the discovery document names");
        Assert.Equal(Normalized(issuer.Jwks()), Normalized(fetcher.Current[discovery]));
    }

    /// <summary>
    /// A fake clock that counts how often the fetcher arms its timer, once at the end of each round: a test moves the
    /// clock only once the next round is armed, since a jump made before it would land ahead of the timer and never
    /// fire it (the round's request reaches the server a moment before the fetcher has handled the answer).
    /// </summary>
    private sealed class ArmedClock : TimeProvider
    {
        private int _armed;

        public FakeTimeProvider Fake { get; } = new();

        public int Armed => Volatile.Read(ref _armed);

        public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

        public override long GetTimestamp() => Fake.GetTimestamp();

        public override long TimestampFrequency => Fake.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new CountingTimer(Fake.CreateTimer(callback, state, dueTime, period), this);

        private sealed class CountingTimer(ITimer inner, ArmedClock clock) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                var changed = inner.Change(dueTime, period);
                Interlocked.Increment(ref clock._armed);
                return changed;
            }

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    private static string Normalized(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.GetRawText();

    private static ILogger NullLogger() => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private static ILogger Logger(LogCapture capture) => capture.CreateLogger("jwks");

    /// <summary>Serves a key set at /keys and a discovery document naming it; the body and status can change between requests.</summary>
    private sealed class KeyServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;

        private KeyServer(WebApplication app, string body)
        {
            _app = app;
            Body = body;
        }

        public string Body { get; set; }

        public int Status { get; set; } = StatusCodes.Status200OK;

        public int Requests => Volatile.Read(ref _requests);

        public string BaseUri { get; private set; } = "";

        public string KeysUri => BaseUri + "/keys";

        public static async Task<KeyServer> StartAsync(string body)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var server = new KeyServer(app, body);
            app.MapGet("/keys", context =>
            {
                Interlocked.Increment(ref server._requests);
                context.Response.StatusCode = server.Status;
                context.Response.ContentType = "application/json";
                return context.Response.WriteAsync(server.Body);
            });
            app.MapGet("/.well-known/openid-configuration", context =>
                context.Response.WriteAsync($$"""{"issuer":"https://issuer.example.com","jwks_uri":"{{server.KeysUri}}"}"""));
            await app.StartAsync();
            server.BaseUri = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
