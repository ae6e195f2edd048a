using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using k8s;
using Mesh.Kubernetes.TestServer.Internal;
using Mesh.Kubernetes.TestServer.Internal.Admission;
using Mesh.Kubernetes.TestServer.Internal.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Kubernetes.TestServer;

/// <summary>
/// A Kubernetes API server for tests, in-process: HTTPS (HTTP/1.1 and HTTP/2) on 127.0.0.1 with a CA of its own,
/// faithful where the mesh depends on it. Real kubectl and KubernetesClient talk to it through
/// <see cref="WriteKubeconfig"/> and <see cref="ClientConfiguration"/>.
/// </summary>
public sealed class TestApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServingCertificates _certificates;
    private readonly ObjectStore _store;
    private readonly ResourceCatalog _catalog;
    private readonly ServiceAccountTokens _tokens;
    private readonly CancellationTokenSource _stopping;

    private TestApiServer(WebApplication app, ServingCertificates certificates, ObjectStore store, ResourceCatalog catalog,
        ServiceAccountTokens tokens, CancellationTokenSource stopping, string adminToken, Uri url)
    {
        _stopping = stopping;
        _app = app;
        _certificates = certificates;
        _store = store;
        _catalog = catalog;
        _tokens = tokens;
        AdminToken = adminToken;
        Url = url;
    }

    /// <summary>https://127.0.0.1:PORT</summary>
    public Uri Url { get; }

    /// <summary>A bearer token with every right.</summary>
    public string AdminToken { get; }

    /// <summary>The serving CA in PEM (a kubeconfig's certificate-authority-data).</summary>
    public string CaCertificatePem => _certificates.AuthorityPem;

    public static async Task<TestApiServer> StartAsync(TestApiServerOptions? options = null)
    {
        options ??= new TestApiServerOptions();
        var time = options.Time ?? TimeProvider.System;
        var certificates = ServingCertificates.Create(DateTimeOffset.UtcNow);
        var adminToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var catalog = new ResourceCatalog();
        var hub = new WatchHub(options.WatchHistoryLimit, options.MaxWatches);
        var store = new ObjectStore(catalog, time, hub);
        var tokens = new ServiceAccountTokens(time);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificates.Serving);
            });
        });
        var app = builder.Build();
        // The port is known only once Kestrel listens; /api names it, so the handler is built on the first request.
        var address = "";
        var admission = new AdmissionChain(store, catalog, new WebhookClient(options, time));
        var authorizer = new Authorizer();
        var stopping = new CancellationTokenSource();
        var portForwards = new PortForwardEndpoint(store, catalog, options, stopping.Token);
        var handler = new Lazy<ApiHandler>(() => new ApiHandler(adminToken, address, options, catalog, tokens, authorizer,
            new ResourceEndpoints(store, catalog, new Defaults(), admission), new WatchEndpoint(store, time, options),
            new TokenReviewEndpoint(tokens, time, store, catalog), new SelfSubjectAccessReviewEndpoint(authorizer), portForwards));
        app.UseWebSockets();
        app.Run(context => handler.Value.HandleAsync(context));
        await app.StartAsync();
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        address = $"127.0.0.1:{bound.Port}";
        var url = new Uri($"https://{address}");
        var server = new TestApiServer(app, certificates, store, catalog, tokens, stopping, adminToken, url);
        server.SeedNamespaces();
        return server;
    }

    /// <summary>Writes a kubeconfig for kubectl and KubernetesClient (the admin token unless another is given); returns the path.</summary>
    public string WriteKubeconfig(string path, string? token = null)
    {
        File.WriteAllText(path, Kubeconfig.Render(Url, CaCertificatePem, token ?? AdminToken));
        return path;
    }

    /// <summary>A KubernetesClient configuration trusting this server's CA, with the admin token unless another is given.</summary>
    public KubernetesClientConfiguration ClientConfiguration(string? token = null) => new()
    {
        Host = Url.ToString(),
        AccessToken = token ?? AdminToken,
        SslCaCerts = [X509CertificateLoader.LoadCertificate(_certificates.Authority.RawData)],
        Namespace = "default",
    };

    /// <summary>
    /// A service-account token as a kubelet's projected volume gets it (bound to the pod when named);
    /// TokenReview validates it against its audiences and expiry, and, when the service account or pod existed in the
    /// server at issue, refuses it once that object is deleted or replaced (as the real server does).
    /// </summary>
    public string IssueServiceAccountToken(string ns, string serviceAccount, string[] audiences, TimeSpan lifetime, string? podName = null)
    {
        var account = _store.Get(_catalog.FindByKey("serviceaccounts")!, ns, serviceAccount)?["metadata"]?["uid"]?.GetValue<string>();
        var pod = podName is null ? null : _store.Get(_catalog.FindByKey("pods")!, ns, podName)?["metadata"]?["uid"]?.GetValue<string>();
        var bindings = new List<(string, string, string)>();
        if (account is not null)
        {
            bindings.Add(("serviceaccounts", serviceAccount, account));
        }
        if (pod is not null)
        {
            bindings.Add(("pods", podName!, pod));
        }
        return _tokens.Issue(ns, serviceAccount, account ?? Guid.NewGuid().ToString(), audiences, lifetime, podName, pod, [.. bindings]);
    }

    /// <summary>Forgets the watch history: the next watch from an older resourceVersion gets 410 Gone.</summary>
    public void CompactHistory() => _store.CompactHistory();

    /// <summary>Ends every open watch (clients must re-watch).</summary>
    public void CloseWatches() => _store.CloseWatches();

    /// <summary>The Events created through the API, oldest first (core/v1 and events.k8s.io/v1).</summary>
    public IReadOnlyList<RecordedEvent> Events => RecordedEvents.From(_store, _catalog);

    public async ValueTask DisposeAsync()
    {
        _store.CloseWatches();
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _tokens.Dispose();
        _certificates.Dispose();
        _stopping.Dispose();
    }

    private void SeedNamespaces()
    {
        var namespaces = _catalog.FindByKey("namespaces")!;
        var defaults = new Defaults();
        foreach (var name in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            var ns = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Namespace",
                ["metadata"] = new JsonObject { ["name"] = name },
            };
            defaults.OnCreate(namespaces, ns);
            _store.Create(namespaces, null, ns);
        }
    }
}
