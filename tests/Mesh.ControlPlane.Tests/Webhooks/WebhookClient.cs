using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Webhooks;

/// <summary>
/// Calls the webhook listener the way the API server does: by the Service's DNS name, verifying the certificate
/// against the CA bundle alone (no system roots), dialled on 127.0.0.1.
/// </summary>
internal static class WebhookClient
{
    public const string ServiceHost = "istiod.istio-system.svc";

    public static HttpClient Create(CertificateAuthority authority, int port, Version? version = null)
    {
        var trust = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        trust.CustomTrustStore.AddRange(authority.Bundle.Roots);
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = { CertificateChainPolicy = trust },
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, port, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"https://{ServiceHost}:{port}/"),
            DefaultRequestVersion = version ?? HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(20),
        };
    }

    /// <summary>An AdmissionReview (admission.k8s.io/v1) for an object of networking.istio.io, as the API server sends it.</summary>
    public static string Review(string operation, string objectJson, string kind = "VirtualService", string uid = "7f0b2d4c-0001", string apiVersion = "admission.k8s.io/v1") =>
        $$"""
        {"apiVersion":"{{apiVersion}}","kind":"AdmissionReview","request":{"uid":"{{uid}}",
         "kind":{"group":"networking.istio.io","version":"v1","kind":"{{kind}}"},
         "resource":{"group":"networking.istio.io","version":"v1","resource":"{{kind.ToLowerInvariant()}}s"},
         "namespace":"default","name":"reviews","operation":"{{operation}}",
         "userInfo":{"username":"kubernetes-admin"},"object":{{objectJson}},"oldObject":null,"dryRun":false}
        }
        """;

    /// <summary>A VirtualService as the API server stores it (metadata it fills in included) with the given spec.</summary>
    public static string VirtualService(string spec, string name = "reviews") =>
        $$"""
        {"apiVersion":"networking.istio.io/v1","kind":"VirtualService",
         "metadata":{"name":"{{name}}","namespace":"default","uid":"2b6e","generation":1,"creationTimestamp":"2026-01-01T00:00:00Z",
          "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"},
          "managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"networking.istio.io/v1"}]},
         "spec":{{spec}}}
        """;
}
