using System.Net;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;

namespace Mesh.ControlPlane.Tests.Security.Kubernetes;

/// <summary>The root certificate as ConfigMap istio-ca-root-cert in every namespace, and kept there.</summary>
public sealed class RootCertificatePublisherTests : IAsyncLifetime
{
    private const string Root = "-----BEGIN CERTIFICATE-----\nroot\n-----END CERTIFICATE-----\n";

    private readonly FakeKubernetesCaApi _api = new();
    private readonly FakeInformer<V1Namespace> _namespaces = new("v1/namespaces");
    private readonly FakeInformer<V1ConfigMap> _configMaps = new("v1/configmaps");
    private readonly LogCapture _log = new();
    private RootCertificatePublisher _publisher = null!;

    public Task InitializeAsync()
    {
        // What the watch would report of the publisher's own writes.
        _api.ConfigMapWritten = _configMaps.Set;
        foreach (var name in new[] { "default", "istio-system", "kube-system", "kube-public", "kube-node-lease" })
        {
            _namespaces.Set(Namespace(name));
        }

        _publisher = new RootCertificatePublisher(_api, _namespaces, _configMaps, Root, TimeProvider.System, _log.CreateLogger("test"));
        _publisher.Start();
        _namespaces.Sync();
        _configMaps.Sync();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _publisher.DisposeAsync();

    [Fact]
    public async Task Start_EveryNamespace_GetsTheConfigMapExceptThoseIstiodSkips()
    {
        await Eventually.TrueAsync(() => _log.Lines.Any(l => l.EventId == 437), "the first pass");

        Assert.Equal(["default", "istio-system", "kube-system"], _api.ConfigMaps.Keys.Select(k => k.Namespace).Order());
        var configMap = _api.ConfigMaps[("default", "istio-ca-root-cert")];
        Assert.Equal(Root, configMap.Data["root-cert.pem"]);
        Assert.Equal("true", configMap.Metadata.Labels["istio.io/config"]);
    }

    [Fact]
    public async Task NamespaceAdded_GetsTheConfigMap()
    {
        await Eventually.TrueAsync(() => _log.Lines.Any(l => l.EventId == 437), "the first pass");

        _namespaces.Set(Namespace("shop"));

        await Eventually.TrueAsync(() => _api.ConfigMaps.ContainsKey(("shop", "istio-ca-root-cert")), "the ConfigMap in the new namespace");
    }

    [Fact]
    public async Task ConfigMapDeleted_CreatedAgain()
    {
        await Eventually.TrueAsync(() => _api.ConfigMaps.ContainsKey(("default", "istio-ca-root-cert")), "the first ConfigMap");

        _api.ConfigMaps.TryRemove(("default", "istio-ca-root-cert"), out _);
        _configMaps.Delete("default", "istio-ca-root-cert");

        await Eventually.TrueAsync(() => _api.ConfigMaps.ContainsKey(("default", "istio-ca-root-cert")), "the ConfigMap back");
        Assert.Contains(_log.Lines, l => l.EventId == 435 && l.Message.Contains("default/istio-ca-root-cert created"));
    }

    [Fact]
    public async Task ConfigMapEdited_RootPutBackAndOtherKeysKept()
    {
        await Eventually.TrueAsync(() => _api.ConfigMaps.ContainsKey(("default", "istio-ca-root-cert")), "the first ConfigMap");
        var edited = _api.ConfigMaps[("default", "istio-ca-root-cert")];
        edited = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = edited.Name(), NamespaceProperty = "default", ResourceVersion = edited.ResourceVersion(), Labels = edited.Metadata.Labels },
            Data = new Dictionary<string, string> { ["root-cert.pem"] = "tampered", ["extra"] = "kept" },
        };
        await _api.ReplaceConfigMapAsync(edited, CancellationToken.None);

        await Eventually.TrueAsync(() => _api.ConfigMaps[("default", "istio-ca-root-cert")].Data["root-cert.pem"] == Root, "the root put back");
        Assert.Equal("kept", _api.ConfigMaps[("default", "istio-ca-root-cert")].Data["extra"]);
    }

    [Fact]
    public async Task TerminatingNamespace_LeftAlone()
    {
        await Eventually.TrueAsync(() => _log.Lines.Any(l => l.EventId == 437), "the first pass");
        var terminating = Namespace("leaving");
        terminating.Status = new V1NamespaceStatus { Phase = "Terminating" };

        _namespaces.Set(terminating);
        _namespaces.Set(Namespace("after"));

        await Eventually.TrueAsync(() => _api.ConfigMaps.ContainsKey(("after", "istio-ca-root-cert")), "the next namespace handled");
        Assert.False(_api.ConfigMaps.ContainsKey(("leaving", "istio-ca-root-cert")));
    }

    [Fact]
    public async Task WriteFails_RetriedUntilItSucceeds()
    {
        await Eventually.TrueAsync(() => _log.Lines.Any(l => l.EventId == 437), "the first pass");
        _api.ConfigMapFailures.Enqueue(HttpStatusCode.InternalServerError);
        _api.ConfigMapFailures.Enqueue(HttpStatusCode.InternalServerError);

        _namespaces.Set(Namespace("flaky"));

        await Eventually.TrueAsync(() => _api.ConfigMaps.ContainsKey(("flaky", "istio-ca-root-cert")), "the ConfigMap after retries");
        Assert.Equal(2, _log.Lines.Count(l => l.EventId == 436 && l.Message.Contains("flaky") && l.Message.Contains("500")));
    }

    private static V1Namespace Namespace(string name) => new() { Metadata = new V1ObjectMeta { Name = name }, Status = new V1NamespaceStatus { Phase = "Active" } };
}
