// How a proxy secures connections to a cluster: DestinationRule trafficPolicy.tls when set, else auto mTLS.
using Mesh.Contracts.Discovery;
using Mesh.Istio.Networking;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// The most specific tls wins: the subset's port-level, the subset's, the rule's port-level, the rule's. With none,
/// auto mTLS (Istio's default): ISTIO_MUTUAL when every endpoint has a sidecar that accepts mTLS — in local mode a
/// WorkloadEntry-backed endpoint whose PeerAuthentication is not DISABLE — and plaintext otherwise. A ServiceEntry's
/// subjectAltNames are identities its servers may present, as Istio reads them: accepted beside the endpoints' own
/// under ISTIO_MUTUAL, and the names SIMPLE and MUTUAL check when the DestinationRule gives none.
/// </summary>
internal static class UpstreamTlsTranslator
{
    public const string TrustDomain = "cluster.local";

    /// <param name="credentialNamespace">
    /// The proxy's namespace where a client credentialName applies to it (a gateway, or a sidecar whose rule has a
    /// workloadSelector, as Istio documents); null where it does not, and the files are used.
    /// </param>
    public static UpstreamTls? Translate(MeshSnapshot snapshot, ServiceModel service, ServicePortModel port, string? subsetName,
        TrafficPolicy? policy, TrafficPolicy? subsetPolicy, List<(WorkloadModel Workload, uint Port)> endpoints, string? credentialNamespace)
    {
        var settings = PortLevel(subsetPolicy, port.Number)?.Tls ?? subsetPolicy?.Tls ?? PortLevel(policy, port.Number)?.Tls ?? policy?.Tls;
        switch (settings?.Mode)
        {
            case ClientTlsMode.Disable:
                return null;
            case ClientTlsMode.IstioMutual:
                return IstioMutual(service, port, subsetName, endpoints, settings, auto: false);
            case ClientTlsMode.Simple or ClientTlsMode.Mutual:
                var tls = new UpstreamTls
                {
                    Mode = settings.Mode == ClientTlsMode.Simple ? UpstreamTlsMode.Simple : UpstreamTlsMode.Mutual,
                    Sni = settings.Sni ?? "",
                    CaCertificates = settings.CaCertificates ?? "",
                    ClientCertificate = settings.ClientCertificate ?? "",
                    PrivateKey = settings.PrivateKey ?? "",
                    CaCrl = settings.CaCrl ?? "",
                    InsecureSkipVerify = settings.InsecureSkipVerify ?? false,
                };
                tls.SubjectAltNames.AddRange(settings.SubjectAltNames.Count > 0 ? settings.SubjectAltNames : service.SubjectAltNames);
                if (settings.CredentialName is { Length: > 0 } credential && credentialNamespace is not null)
                {
                    ApplyCredential(tls, snapshot, credentialNamespace, credential);
                }
                return tls;
        }

        return HaveMutualTlsSidecars(snapshot, endpoints) ? IstioMutual(service, port, subsetName, endpoints, null, auto: true) : null;
    }

    /// <summary>
    /// Istio's client credentialName (its SDS resources <c>name</c> and <c>name-cacert</c>), in place of the files: for
    /// MUTUAL the key pair of the Secret <paramref name="name"/>, and the CA its ca.crt (or cacert), else the Secret
    /// <c>name-cacert</c>'s. On a cluster, the Secrets of the proxy's namespace, sent inline; in local mode, the folders of
    /// the config folder's credentials/, as a Gateway's credentialName. What is missing stays unset: a MUTUAL cluster
    /// without its key pair is refused by servers that want one, as Istio's waits for its secret (docs/security.md).
    /// </summary>
    private static void ApplyCredential(UpstreamTls tls, MeshSnapshot snapshot, string ns, string name)
    {
        var mutual = tls.Mode == UpstreamTlsMode.Mutual;
        tls.ClientCertificate = tls.PrivateKey = tls.CaCertificates = tls.CaCrl = "";
        if (snapshot.Credentials is { } secrets)
        {
            if (secrets.TryGetValue($"{ns}/{name}", out var secret) && secret.Problem is null)
            {
                if (mutual && secret.HasKeyPair)
                {
                    tls.ClientCertificatePem = secret.CertificatePem;
                    tls.PrivateKeyPem = secret.PrivateKeyPem;
                }
                tls.CaCertificatesPem = secret.CaCertificatesPem;
            }
            if (tls.CaCertificatesPem.Length == 0 && secrets.TryGetValue($"{ns}/{name}{TlsCredentialModel.CaSecretSuffix}", out var ca) && ca.Problem is null)
            {
                tls.CaCertificatesPem = ca.CaCertificatesPem;
            }
            tls.CaCrlPem = GatewayTlsTranslator.CrlOf(secrets, ns, name);
            return;
        }

        var folder = Path.Combine(snapshot.CredentialRoot, GatewayTlsTranslator.CredentialsFolder, name);
        if (mutual && File.Exists(Path.Combine(folder, "tls.crt")) && File.Exists(Path.Combine(folder, "tls.key")))
        {
            tls.ClientCertificate = Path.Combine(folder, "tls.crt");
            tls.PrivateKey = Path.Combine(folder, "tls.key");
        }
        var caFolder = Path.Combine(snapshot.CredentialRoot, GatewayTlsTranslator.CredentialsFolder, name + TlsCredentialModel.CaSecretSuffix);
        foreach (var candidate in (string[])[folder, caFolder])
        {
            if (!File.Exists(Path.Combine(candidate, "ca.crt"))) continue;
            tls.CaCertificates = Path.Combine(candidate, "ca.crt");
            if (File.Exists(Path.Combine(candidate, "ca.crl"))) tls.CaCrl = Path.Combine(candidate, "ca.crl");
            break;
        }
    }

    public static string SpiffeId(string ns, string serviceAccount) =>
        $"spiffe://{TrustDomain}/ns/{ns}/sa/{(serviceAccount.Length > 0 ? serviceAccount : "default")}";

    private static UpstreamTls IstioMutual(ServiceModel service, ServicePortModel port, string? subsetName,
        List<(WorkloadModel Workload, uint Port)> endpoints, ClientTlsSettings? settings, bool auto)
    {
        var tls = new UpstreamTls
        {
            Mode = UpstreamTlsMode.IstioMutual,
            Sni = settings?.Sni ?? $"outbound_.{port.Number}_.{subsetName ?? ""}_.{service.Hostname}",
            Auto = auto,
        };
        if (settings is { SubjectAltNames.Count: > 0 })
        {
            tls.SubjectAltNames.AddRange(settings.SubjectAltNames);
            return tls;
        }

        // The identities that back the destination: the client accepts exactly these, whatever the host name. Sorted
        // and each once, in a list: a sorted set's nodes and walks were a tenth of what an endpoint change allocated.
        var identities = new List<string>(service.SubjectAltNames.Count + endpoints.Count);
        identities.AddRange(service.SubjectAltNames);
        foreach (var (workload, _) in endpoints) identities.Add(SpiffeId(workload.Namespace, workload.ServiceAccount));
        identities.Sort(StringComparer.Ordinal);
        for (var i = 0; i < identities.Count; i++)
        {
            if (i == 0 || identities[i] != identities[i - 1]) tls.SubjectAltNames.Add(identities[i]);
        }
        return tls;
    }

    private static bool HaveMutualTlsSidecars(MeshSnapshot snapshot, List<(WorkloadModel Workload, uint Port)> endpoints)
    {
        if (endpoints.Count == 0) return false;
        foreach (var (workload, endpointPort) in endpoints)
        {
            // Inline ServiceEntry endpoints (outside services) have no sidecar; a WorkloadEntry's has one in local mode;
            // otherwise, as Istio decides, an endpoint labelled security.istio.io/tlsMode=istio has one (the injector labels pods so).
            if (!ReferenceEquals(snapshot.FindWorkloadEntry(workload.Namespace, workload.Name), workload) && !HasIstioTlsMode(workload)) return false;
            if (PeerAuthenticationResolver.ModeFor(snapshot, workload.Namespace, workload.Labels, endpointPort) == InboundTlsMode.Disable) return false;
        }
        return true;
    }

    private static bool HasIstioTlsMode(WorkloadModel workload) =>
        workload.Labels.TryGetValue("security.istio.io/tlsMode", out var mode) && mode == "istio";

    private static PortTrafficPolicy? PortLevel(TrafficPolicy? policy, uint port)
    {
        if (policy is null) return null;
        foreach (var portPolicy in policy.PortLevelSettings)
        {
            if (portPolicy.Port?.Number == port) return portPolicy;
        }
        return null;
    }
}
