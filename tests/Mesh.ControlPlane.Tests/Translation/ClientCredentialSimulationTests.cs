using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Tests.Kubernetes;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// DestinationRule <c>tls.credentialName</c>: at a gateway (and at a sidecar whose rule has a workloadSelector, as
/// Istio documents) the client credential comes from the Secret of that name in the proxy's namespace, the CA from the
/// same Secret or from <c>&lt;name&gt;-cacert</c>; sidecars otherwise keep the files.
/// </summary>
public sealed class ClientCredentialSimulationTests
{
    private const string Cluster = "outbound|443||api.example.com";
    private static readonly (string Certificate, string Key) Client = SecretCredentialsTests.CreatePair();
    private static readonly (string Certificate, string Key) Ca = SecretCredentialsTests.CreatePair();

    private const string External = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: api, namespace: istio-system }
        spec:
          hosts: [api.example.com]
          location: MESH_EXTERNAL
          ports: [{ number: 443, name: https, protocol: HTTPS }]
          resolution: DNS
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: reports, namespace: shop }
        spec: { address: 127.0.0.9, labels: { app: reports }, serviceAccount: reports }
        """;

    private static readonly IReadOnlyDictionary<string, string> EgressLabels = new Dictionary<string, string> { ["istio"] = "egressgateway" };

    [Fact]
    public void Gateway_TakesTheKeyPairFromTheSecretAndTheCaFromItsCacertCompanion()
    {
        var snapshot = Load(Rule("istio-system", ""), Secrets(("istio-system/client", Client.Certificate, Client.Key, ""), ("istio-system/client-cacert", "", "", Ca.Certificate)));

        var tls = Simulation.Of(snapshot, TestNodes.Router("istio-egressgateway", "istio-system", EgressLabels)).Cluster(Cluster).Tls;

        Assert.Equal((Client.Certificate, Client.Key, Ca.Certificate), (tls.ClientCertificatePem, tls.PrivateKeyPem, tls.CaCertificatesPem));
        Assert.Equal(("", "", ""), (tls.ClientCertificate, tls.PrivateKey, tls.CaCertificates));
    }

    [Fact]
    public void Sidecar_KeepsTheFiles_UnlessTheRuleHasAWorkloadSelector()
    {
        var secrets = Secrets(("shop/client", Client.Certificate, Client.Key, Ca.Certificate));

        // A rule for every client: a sidecar ignores credentialName, as in Istio.
        var everyone = Simulation.Of(Load(Rule("shop", ""), secrets), TestNodes.Sidecar("reports", "shop")).Cluster(Cluster).Tls;
        Assert.Equal(("", ""), (everyone.ClientCertificatePem, everyone.CaCertificatesPem));

        var selected = Simulation.Of(Load(Rule("shop", "workloadSelector: { matchLabels: { app: reports } }"), secrets), TestNodes.Sidecar("reports", "shop"))
            .Cluster(Cluster).Tls;
        Assert.Equal((Client.Certificate, Ca.Certificate), (selected.ClientCertificatePem, selected.CaCertificatesPem));
    }

    [Fact]
    public void CaCrl_AFileAsWritten_OrTheCredentialsOwnWithCredentialName()
    {
        var files = Load(Rule("istio-system", "").Replace("credentialName: client", "clientCertificate: /etc/c.pem, privateKey: /etc/c.key, caCertificates: /etc/ca.pem, caCrl: /etc/ca.crl", StringComparison.Ordinal), Secrets());
        Assert.Equal("/etc/ca.crl", GeneratedCluster(files).Tls.CaCrl);

        var secrets = Secrets(("istio-system/client", Client.Certificate, Client.Key, Ca.Certificate));
        secrets["istio-system/client"] = secrets["istio-system/client"] with { CrlPem = "the credential's CRL" };
        var tls = GeneratedCluster(Load(Rule("istio-system", ""), secrets)).Tls;
        Assert.Equal(("the credential's CRL", ""), (tls.CaCrlPem, tls.CaCrl));
    }

    [Fact]
    public void SecretOfAnotherNamespace_IsNotTheProxys()
    {
        var snapshot = Load(Rule("istio-system", ""), Secrets(("shop/client", Client.Certificate, Client.Key, Ca.Certificate)));

        var tls = Simulation.Of(snapshot, TestNodes.Router("istio-egressgateway", "istio-system", EgressLabels)).Cluster(Cluster).Tls;

        Assert.Equal(("", "", ""), (tls.ClientCertificatePem, tls.PrivateKeyPem, tls.CaCertificatesPem));
    }

    [Fact]
    public void LocalMode_TheCredentialsFolders()
    {
        var root = Path.Combine(Path.GetTempPath(), "mesh-client-credential-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var client = Directory.CreateDirectory(Path.Combine(root, GatewayTlsTranslator.CredentialsFolder, "client")).FullName;
            File.WriteAllText(Path.Combine(client, "tls.crt"), Client.Certificate);
            File.WriteAllText(Path.Combine(client, "tls.key"), Client.Key);
            var cacert = Directory.CreateDirectory(Path.Combine(root, GatewayTlsTranslator.CredentialsFolder, "client-cacert")).FullName;
            File.WriteAllText(Path.Combine(cacert, "ca.crt"), Ca.Certificate);
            var loaded = IstioConfigLoader.LoadText(External + "\n---\n" + Rule("istio-system", ""), "test.yaml");
            var snapshot = MeshSnapshotBuilder.Build(1, loaded.Resources, credentialRoot: root);

            var tls = Simulation.Of(snapshot, TestNodes.Router("istio-egressgateway", "istio-system", EgressLabels)).Cluster(Cluster).Tls;

            Assert.Equal((Path.Combine(client, "tls.crt"), Path.Combine(client, "tls.key"), Path.Combine(cacert, "ca.crt")),
                (tls.ClientCertificate, tls.PrivateKey, tls.CaCertificates));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The gateway's cluster as translated (not compiled: the CRLs here are placeholders).</summary>
    private static Cluster GeneratedCluster(MeshSnapshot snapshot) =>
        Assert.Single(ProxyConfigGenerator.Generate(TestNodes.Router("istio-egressgateway", "istio-system", EgressLabels), snapshot).Clusters, c => c.Name == Cluster);

    private static MeshSnapshot Load(string rule, IReadOnlyDictionary<string, TlsCredentialModel> secrets)
    {
        var loaded = IstioConfigLoader.LoadText(External + "\n---\n" + rule, "test.yaml");
        Assert.Empty(loaded.Errors);
        return MeshSnapshotBuilder.Build(1, loaded.Resources, credentials: secrets);
    }

    private static Dictionary<string, TlsCredentialModel> Secrets(params (string Id, string Certificate, string Key, string Ca)[] secrets)
    {
        var store = new Dictionary<string, TlsCredentialModel>(StringComparer.Ordinal);
        foreach (var (id, certificate, key, ca) in secrets)
        {
            var slash = id.IndexOf('/');
            store[id] = new TlsCredentialModel(id[..slash], id[(slash + 1)..], "1", certificate, key, ca, null);
        }
        return store;
    }

    /// <summary>A MUTUAL rule for api.example.com in <paramref name="ns"/> naming the credential "client".</summary>
    private static string Rule(string ns, string extra) => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: api, namespace: {{ns}} }
        spec:
          host: api.example.com
          {{extra}}
          trafficPolicy: { tls: { mode: MUTUAL, credentialName: client, sni: api.example.com } }
        """;
}
