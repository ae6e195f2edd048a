using k8s;
using k8s.Models;
using Mesh.ControlPlane.Security;
using Mesh.Security;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// The CA's Kubernetes side in one place for the server to hold: its API client, the CA loaded from istio-system's
/// Secrets, the TokenReview authenticator, and the publisher of the root ConfigMap with the two informers it reads.
/// </summary>
internal sealed class KubernetesCa : IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly KubernetesCaApi _api;
    private readonly KubernetesOptions _options;
    private readonly TimeProvider _time;
    private Informer<V1Namespace>? _namespaces;
    private Informer<V1ConfigMap>? _configMaps;
    private readonly InformerCatalog _informers;
    private RootCertificatePublisher? _publisher;

    /// <param name="informers">Where the root publisher's informers are listed for <c>/debug/informerz</c>.</param>
    public KubernetesCa(KubernetesOptions options, TimeProvider time, InformerCatalog informers)
    {
        _informers = informers;
        _options = options;
        _time = time;
        _client = KubernetesConnection.Create(options);
        _api = new KubernetesCaApi(_client);
    }

    /// <summary>Loads the CA from the system namespace's Secrets (see <see cref="CaSecretStore"/>); throws <see cref="InvalidDataException"/> saying why it cannot.</summary>
    public Task<(CertificateAuthority Authority, string Source)> LoadAuthorityAsync(string trustDomain, CancellationToken cancellationToken) =>
        new CaSecretStore(_api, _options.SystemNamespace, trustDomain, _time).LoadAsync(cancellationToken);

    public ITokenAuthenticator CreateTokenAuthenticator(string trustDomain) =>
        new TokenReviewAuthenticator(_api, trustDomain, _time, new TokenReviewOptions());

    /// <summary>
    /// Starts watching namespaces and root ConfigMaps, and keeping <paramref name="rootPem"/> published in every namespace;
    /// the two informers are listed on <c>/debug/informerz</c>.
    /// </summary>
    public void StartPublishing(string rootPem, ILoggerFactory loggers)
    {
        var time = _time;
        var logger = loggers.CreateLogger<RootCertificatePublisher>();
        _namespaces = new Informer<V1Namespace>("v1/namespaces", InformerSources.Namespaces(_client), time, loggers.CreateLogger<Informer<V1Namespace>>());
        _configMaps = new Informer<V1ConfigMap>($"v1/configmaps ({RootCertificatePublisher.ConfigMapName})",
            InformerSources.ConfigMaps(_client, "metadata.name=" + RootCertificatePublisher.ConfigMapName), time, loggers.CreateLogger<Informer<V1ConfigMap>>());
        _informers.Add(_namespaces);
        _informers.Add(_configMaps);
        _publisher = new RootCertificatePublisher(_api, _namespaces, _configMaps, rootPem, time, logger);
        _publisher.Start();
        _namespaces.Start();
        _configMaps.Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (_publisher is not null) await _publisher.DisposeAsync();
        if (_configMaps is not null) await _configMaps.DisposeAsync();
        if (_namespaces is not null) await _namespaces.DisposeAsync();
        _client.Dispose();
    }
}
