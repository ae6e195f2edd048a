using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Text;
using k8s;
using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Injection;
using Mesh.ControlPlane.Security;
using Mesh.Injection;
using Mesh.Istio;
using Mesh.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Webhooks;

/// <summary>
/// The admission webhooks' own TLS listener (istiod's 15017, behind the Service's 443): HTTP/1.1 and HTTP/2, a
/// certificate from the mesh CA naming <c>istiod.&lt;namespace&gt;.svc</c>, rotated like the gRPC port's. A host of its
/// own, so the debug endpoints never answer here and the webhooks never answer on the debug port.
/// </summary>
internal sealed class WebhookServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ListenOptions?[] _listener;
    private readonly ILogger _logger;
    private readonly IPAddress _address;
    private readonly IReadOnlyList<string> _names;
    private readonly IKubernetes? _client;

    private WebhookServer(WebApplication app, ListenOptions?[] listener, ServingCertificateRotator certificate, ILogger logger, IPAddress address,
        IReadOnlyList<string> names, WebhookConfigurationPatcher? patcher, IKubernetes? client)
    {
        Patcher = patcher;
        _client = client;
        _app = app;
        _listener = listener;
        Certificate = certificate;
        _logger = logger;
        _address = address;
        _names = names;
    }

    /// <summary>The listener's certificate and its rotation.</summary>
    public ServingCertificateRotator Certificate { get; }

    /// <summary>What keeps the webhook configurations' caBundle current; null without a cluster.</summary>
    public WebhookConfigurationPatcher? Patcher { get; }

    /// <summary>The bound port (valid once started).</summary>
    public int Port => _listener[0]!.IPEndPoint!.Port;

    /// <param name="systemNamespace">Where the <c>istiod</c> Service lives: its DNS names go into the certificate.</param>
    /// <param name="injector">What <c>/inject</c> fills pods with, read per request (the mesh config may change it).</param>
    /// <param name="cluster">The cluster whose webhook configurations get the CA bundle (the server disposes the client); null: none is patched.</param>
    /// <param name="proxyConfigs">The ProxyConfig resources <c>/inject</c> applies, read per request (the latest snapshot's); null: none.</param>
    public static WebhookServer Create(WebhookOptions options, IPAddress listenAddress, CertificateAuthority authority, string systemNamespace,
        string domainSuffix, ConfigInputLimits limits, Func<SidecarInjector> injector, TimeProvider time, Action<ILoggingBuilder> configureLogging,
        (IKubernetes Client, KubernetesOptions Options)? cluster = null, InformerCatalog? informers = null, Func<ProxyConfigSet>? proxyConfigs = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        configureLogging(builder.Logging);
        var names = options.CertificateNames(systemNamespace, domainSuffix);
        var listener = new ListenOptions?[1];
        ServingCertificateRotator? certificate = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // An AdmissionReview carries the object and, on UPDATE, the old one: room for two of the largest config files.
            kestrel.Limits.MaxRequestBodySize = 2 * limits.MaxFileBytes + 64 * 1024;
            kestrel.Listen(listenAddress, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listener[0] = listen;
                // Read per handshake: a rotation reaches the next connection at once.
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = certificate!.Current,
                        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                    }),
                });
            });
        });

        var app = builder.Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        var logger = loggers.CreateLogger("Mesh.ControlPlane.Webhooks");
        certificate = new ServingCertificateRotator(authority, listenAddress, options.CertificateLifetime, time,
            loggers.CreateLogger<ServingCertificateRotator>(), names, "webhook port");
        ValidationWebhook.Map(app, limits, logger);
        InjectionWebhook.Map(app, injector, proxyConfigs ?? (static () => ProxyConfigSet.Empty), loggers.CreateLogger("Mesh.ControlPlane.Injection"));
        var patcher = cluster is var (client, clusterOptions)
            ? WebhookConfigurationPatcher.Create(client, options, clusterOptions, () => Encoding.ASCII.GetBytes(authority.Bundle.ToPem()), time, loggers, informers: informers)
            : null;
        return new WebhookServer(app, listener, certificate, logger, listenAddress, names, patcher, cluster?.Client);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken);
        WebhookLog.Listening(_logger, _address.ToString(), Port, string.Join(", ", _names));
        // After the listener is up: the API server may call it as soon as the bundle is in.
        Patcher?.Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (Patcher is not null) await Patcher.DisposeAsync();
        _client?.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }
}
