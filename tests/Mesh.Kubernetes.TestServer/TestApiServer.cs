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
/// A Kubernetes API server for tests, in-process: HTTPS (HTTP/1.1 and HTTP/2) on 127.0.0.1 (or
/// <see cref="TestApiServerOptions.ListenAddress"/>) with a CA of its own,
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

    /// <summary>https://ADDRESS:PORT (127.0.0.1 unless <see cref="TestApiServerOptions.ListenAddress"/> says otherwise).</summary>
    public Uri Url { get; }

    /// <summary>A bearer token with every right.</summary>
    public string AdminToken { get; }

    /// <summary>The serving CA in PEM (a kubeconfig's certificate-authority-data).</summary>
    public string CaCertificatePem => _certificates.AuthorityPem;

    public static async Task<TestApiServer> StartAsync(TestApiServerOptions? options = null)
    {
        options ??= new TestApiServerOptions();
        if (options.ListenAddress.Equals(IPAddress.Any) || options.ListenAddress.Equals(IPAddress.IPv6Any))
        {
            throw new ArgumentException("ListenAddress must be one address (clients and the certificate name it), not a wildcard", nameof(options));
        }
        var time = options.Time ?? TimeProvider.System;
        var certificates = ServingCertificates.Create(DateTimeOffset.UtcNow, options.ListenAddress);
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
            kestrel.Listen(options.ListenAddress, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificates.Serving);
            });
        });
        var app = builder.Build();
        // The port is known only once Kestrel listens; /api names it, so the handler is built on the first request.
        var address = "";
        var admission = new AdmissionChain(store, catalog, new WebhookClient(options, time));
        var authorizer = new Authorizer(new RbacRules(store, catalog));
        var stopping = new CancellationTokenSource();
        var portForwards = new PortForwardEndpoint(store, catalog, options, stopping.Token);
        var handler = new Lazy<ApiHandler>(() => new ApiHandler(adminToken, address, options, catalog, tokens, authorizer,
            new ResourceEndpoints(store, catalog, new Defaults(), admission), new WatchEndpoint(store, time, options),
            new TokenReviewEndpoint(tokens, time, store, catalog), new SelfSubjectAccessReviewEndpoint(authorizer), portForwards));
        app.UseWebSockets();
        app.Run(context => handler.Value.HandleAsync(context));
        await app.StartAsync();
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        address = new IPEndPoint(options.ListenAddress, bound.Port).ToString();
        var url = new Uri($"https://{address}");
        var server = new TestApiServer(app, certificates, store, catalog, tokens, stopping, adminToken, url);
        server.Seed();
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

    /// <summary>
    /// Writes what a kubelet mounts at /var/run/secrets/kubernetes.io/serviceaccount for a pod: <c>token</c> (a
    /// service-account token for this server's own audience, bound to the pod when named), <c>ca.crt</c> (this
    /// server's CA) and <c>namespace</c>. With KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT set to
    /// <see cref="Url"/>'s, KubernetesClient's InClusterConfig then reaches this server as that service account, with
    /// what the stored RBAC grants it. Returns the directory.
    /// </summary>
    public string WriteServiceAccountDirectory(string directory, string ns, string serviceAccount, string? podName = null, TimeSpan? lifetime = null)
    {
        Directory.CreateDirectory(directory);
        var token = IssueServiceAccountToken(ns, serviceAccount, [ServiceAccountTokens.Issuer], lifetime ?? TimeSpan.FromHours(1), podName);
        File.WriteAllText(Path.Combine(directory, "token"), token);
        File.WriteAllText(Path.Combine(directory, "ca.crt"), CaCertificatePem);
        File.WriteAllText(Path.Combine(directory, "namespace"), ns);
        return directory;
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

    /// <summary>What every cluster starts with: the system namespaces, and the cluster-admin ClusterRole (bindings may name it).</summary>
    private void Seed()
    {
        _store.Create(_catalog.FindByKey("clusterroles.rbac.authorization.k8s.io")!, null, new JsonObject
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1",
            ["kind"] = "ClusterRole",
            ["metadata"] = new JsonObject
            {
                ["name"] = "cluster-admin",
                ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
            },
            ["rules"] = new JsonArray(
                new JsonObject { ["apiGroups"] = new JsonArray("*"), ["resources"] = new JsonArray("*"), ["verbs"] = new JsonArray("*") },
                new JsonObject { ["nonResourceURLs"] = new JsonArray("*"), ["verbs"] = new JsonArray("*") }),
        });
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
