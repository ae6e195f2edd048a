using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mesh.EndToEnd.Tests.Kubernetes;

/// <summary>
/// A Kubernetes Ingress served by the gateway, end to end: the gateway's Service (80 and 443 to the ports the gateway
/// listens on), the IngressClass istio, an Ingress with a host and two paths and a TLS Secret made here, all applied
/// with kubectl; requests over HTTP with the host and over HTTPS with SNI reach the right sample app, the Secret's
/// removal closes the TLS server and its return reopens it, and an Ingress of another class is not served.
/// </summary>
[Collection(ClusterMeshCollection.Name)]
public sealed class ClusterIngressTests(ClusterMeshFixture fixture)
{
    private const string Host = "shop.example.com";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    // Applied first: by the time the istio Ingress after it is served, the control plane has seen this one.
    private const string OtherClass = """
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: { name: nginx }
        spec: { controller: k8s.io/ingress-nginx }
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: other, namespace: default }
        spec:
          ingressClassName: nginx
          rules:
          - host: other.example.com
            http:
              paths:
              - { path: /, pathType: Prefix, backend: { service: { name: frontend, port: { number: 80 } } } }
        """;

    [SkippableFact]
    public async Task Cluster_IngressOfTheIstioClass_ServedByHostPathAndSni_TlsFollowsItsSecret_OtherClassesNot()
    {
        var mesh = await fixture.StartAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = SelfSigned(key, Host);
        var secret = TlsSecret(certificate, key);

        await mesh.ApplyAsync(OtherClass);
        await mesh.ApplyAsync(GatewayService(mesh) + "\n---\n" + secret + "\n---\n" + ShopIngress);

        // HTTP on the Service's 80, where the gateway listens behind it: the host and path choose the app.
        var http = new Uri($"http://127.0.0.1:{mesh.GatewayServiceHttpTarget}");
        var root = await EventuallyAsync(() => GetAsync(new Uri(http, "/"), Host, certificate), a => a?.Status == 200, "the Ingress served over HTTP");
        Assert.Equal("frontend-v1", root!.Chain[0]);
        var api = await GetAsync(new Uri(http, "/api/items"), Host, certificate);
        Assert.Equal(200, api?.Status);
        Assert.StartsWith("backend-", api!.Chain[0], StringComparison.Ordinal);
        Assert.Equal(404, (await GetAsync(new Uri(http, "/"), "other.example.com", certificate))?.Status);

        // HTTPS on the Service's 443 with SNI: the Secret's certificate (the only one the client accepts) and the same routes.
        var https = new Uri($"https://127.0.0.1:{mesh.GatewayServiceHttpsTarget}");
        var secure = await EventuallyAsync(() => GetAsync(new Uri(https, "/api/items"), Host, certificate), a => a?.Status == 200, "the Ingress served over HTTPS");
        Assert.StartsWith("backend-", secure!.Chain[0], StringComparison.Ordinal);

        // The Secret gone: the TLS server is not served with any other certificate; HTTP keeps serving.
        await mesh.Kubectl.SucceedAsync("delete", "secret", "shop-credential", "-n", "istio-system");
        await EventuallyAsync(() => GetAsync(new Uri(https, "/"), Host, certificate), a => a is null, "the TLS server to close without its Secret");
        Assert.Equal(200, (await GetAsync(new Uri(http, "/"), Host, certificate))?.Status);

        // The Secret back: the TLS server with it.
        await mesh.ApplyAsync(secret);
        var back = await EventuallyAsync(() => GetAsync(new Uri(https, "/"), Host, certificate), a => a?.Status == 200, "the TLS server back with its Secret");
        Assert.Equal("frontend-v1", back!.Chain[0]);
    }

    /// <summary>The gateway's Service, as deploy/gateway has it, its targetPorts the ports free for this test.</summary>
    private static string GatewayService(ClusterMesh mesh) => $$"""
        apiVersion: v1
        kind: Service
        metadata:
          name: istio-ingressgateway
          namespace: istio-system
          labels: { app: istio-ingressgateway, istio: ingressgateway }
        spec:
          type: LoadBalancer
          selector: { app: istio-ingressgateway, istio: ingressgateway }
          ports:
          - { name: http2, port: 80, targetPort: {{mesh.GatewayServiceHttpTarget}} }
          - { name: https, port: 443, targetPort: {{mesh.GatewayServiceHttpsTarget}} }
        ---
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: { name: istio }
        spec: { controller: istio.io/ingress-controller }
        """;

    private const string ShopIngress = $$"""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: shop, namespace: default }
        spec:
          ingressClassName: istio
          tls:
          - { hosts: [{{Host}}], secretName: shop-credential }
          rules:
          - host: {{Host}}
            http:
              paths:
              - { path: /api, pathType: Prefix, backend: { service: { name: backend, port: { number: 9080 } } } }
              - { path: /, pathType: Prefix, backend: { service: { name: frontend, port: { number: 80 } } } }
        """;

    /// <summary>The Secret in the gateway's namespace, where Istio looks up an Ingress's secretName.</summary>
    private static string TlsSecret(X509Certificate2 certificate, ECDsa key) => $$"""
        apiVersion: v1
        kind: Secret
        metadata: { name: shop-credential, namespace: istio-system }
        type: kubernetes.io/tls
        data:
          tls.crt: {{Base64(certificate.ExportCertificatePem())}}
          tls.key: {{Base64(key.ExportPkcs8PrivateKeyPem())}}
        """;

    /// <summary>
    /// One request on a new connection (so every HTTPS request is a new handshake), the Host header naming the host
    /// (and, over TLS, the SNI); the server must present <paramref name="expected"/>. Null when no answer came: refused,
    /// reset, or a failed handshake.
    /// </summary>
    private static async Task<GatewayAnswer?> GetAsync(Uri uri, string host, X509Certificate2 expected)
    {
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == expected.GetCertHashString() },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Host = host;
        try
        {
            using var response = await client.SendAsync(request);
            return GatewayAnswer.Parse((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task<GatewayAnswer?> EventuallyAsync(Func<Task<GatewayAnswer?>> attempt, Func<GatewayAnswer?, bool> done, string what)
    {
        using var deadline = new CancellationTokenSource(Wait);
        GatewayAnswer? last = null;
        await ClusterMesh.WaitUntilAsync(async () => done(last = await attempt()), deadline.Token,
            () => $"{what}; the last answer: {(last is null ? "none" : $"{last.Status} {last.Body}")}");
        return last;
    }

    private static X509Certificate2 SelfSigned(ECDsa key, string host)
    {
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12));
    }

    private static string Base64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));
}
