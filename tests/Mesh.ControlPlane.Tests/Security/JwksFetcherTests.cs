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
        var time = new FakeTimeProvider();
        using var fetcher = new JwksFetcher(new JwksFetcherOptions { RefreshInterval = Refresh }, time, NullLogger());
        fetcher.Track(new Dictionary<string, TimeSpan?> { [server.KeysUri] = null });
        await Eventually.TrueAsync(() => fetcher.Current.ContainsKey(server.KeysUri), "the first fetch");

        server.Body = second.Jwks();
        time.Advance(Refresh - TimeSpan.FromSeconds(1));
        Assert.Equal(1, server.Requests);
        time.Advance(TimeSpan.FromSeconds(1));

        await Eventually.TrueAsync(() => Normalized(fetcher.Current[server.KeysUri]) == Normalized(second.Jwks()), "the rotated key set");
    }

    [Fact]
    public async Task Fetch_FailsUntilFixed_NoKeySetOneLogLineThenRecovery()
    {
        using var issuer = TestJwtIssuer.Rsa("https://issuer.example.com");
        await using var server = await KeyServer.StartAsync(issuer.Jwks());
        server.Status = StatusCodes.Status503ServiceUnavailable;
        var time = new FakeTimeProvider();
        var log = new LogCapture();
        using var fetcher = new JwksFetcher(new JwksFetcherOptions { RefreshInterval = Refresh }, time, Logger(log));

        fetcher.Track(new Dictionary<string, TimeSpan?> { [server.KeysUri] = null });
        await Eventually.TrueAsync(() => server.Requests == 1 && log.Lines.Count == 1, "the first failed fetch");
        // Retries come sooner than the refresh interval (1 s, then 2 s, ...), and say nothing more.
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => server.Requests == 2, "the first retry");
        time.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => server.Requests == 3, "the second retry");

        Assert.False(fetcher.Current.ContainsKey(server.KeysUri));
        var failed = Assert.Single(log.Lines);
        Assert.Equal(305, failed.EventId);
        Assert.Contains("HTTP 503", failed.Message, StringComparison.Ordinal);
        Assert.Contains("refused until a fetch succeeds", failed.Message, StringComparison.Ordinal);

        server.Status = StatusCodes.Status200OK;
        time.Advance(TimeSpan.FromSeconds(4));
        await Eventually.TrueAsync(() => fetcher.Current.ContainsKey(server.KeysUri), "the recovered fetch");
        Assert.Equal(306, log.Lines[^1].EventId);
    }

    [Fact]
    public async Task Refresh_Fails_LastGoodKeySetKept()
    {
        using var issuer = TestJwtIssuer.Rsa("https://issuer.example.com");
        await using var server = await KeyServer.StartAsync(issuer.Jwks());
        var time = new FakeTimeProvider();
        using var fetcher = new JwksFetcher(new JwksFetcherOptions { RefreshInterval = Refresh }, time, NullLogger());
        fetcher.Track(new Dictionary<string, TimeSpan?> { [server.KeysUri] = null });
        await Eventually.TrueAsync(() => fetcher.Current.ContainsKey(server.KeysUri), "the first fetch");

        server.Status = StatusCodes.Status500InternalServerError;
        time.Advance(Refresh);
        await Eventually.TrueAsync(() => server.Requests == 2, "the failed refresh");
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
