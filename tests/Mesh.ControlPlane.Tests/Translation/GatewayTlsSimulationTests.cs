using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>Gateway servers that terminate TLS: one listener per port carrying each server's credential and SNI hosts; httpsRedirect on HTTP.</summary>
public sealed class GatewayTlsSimulationTests
{
    private const string SecureGateway = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: secure, namespace: default }
        spec:
          selector: { istio: ingressgateway }
          servers:
          - port: { number: 8443, name: https-a, protocol: HTTPS }
            hosts: [default/a.example.com]
            tls: { mode: SIMPLE, credentialName: a-cred, minProtocolVersion: TLSV1_3, cipherSuites: [ECDHE-RSA-AES256-GCM-SHA384, NOT-A-SUITE] }
          - port: { number: 8443, name: https-b, protocol: HTTPS }
            hosts: ["*.b.example.com"]
            tls:
              mode: MUTUAL
              credentialName: b-cred
              subjectAltNames: [client.b.example.com]
              verifyCertificateSpki: ["b+7MjBbFVR2f6z61934tp3O/aL2e+cUpJ86yyG5WiSs="]
              verifyCertificateHash: ["06:29:84:32:E8:06:6B:29:E2:22:3B:CC:23:AA:95:04:B5:6A:E5:08:FA:BF:34:35:50:88:69:B9:C3:19:0E:22"]
          - port: { number: 8080, name: http, protocol: HTTP }
            hosts: [a.example.com]
            tls: { httpsRedirect: true }
          - port: { number: 9443, name: passthrough, protocol: TLS }
            hosts: [c.example.com]
            tls: { mode: PASSTHROUGH }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: secure, namespace: default }
        spec:
          hosts: [a.example.com, x.b.example.com]
          gateways: [secure]
          http:
          - route:
            - destination: { host: frontend, port: { number: 80 } }
        """;

    [Fact]
    public void Generate_HttpsServersSharingAPort_OneListenerWithACredentialPerServer()
    {
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, SecureGateway);

        var listener = Assert.Single(sim.Resources.Listeners, l => l.Port == 8443);
        Assert.Equal(2, listener.TlsServers.Count);
        var a = listener.TlsServers[0];
        Assert.Equal(["a.example.com"], a.Hosts);
        Assert.False(a.RequireClientCertificate);
        Assert.Equal(Path.Combine("credentials", "a-cred", "tls.crt"), a.CertificateFile);
        Assert.Equal(13u, a.MinProtocolVersion);
        var b = listener.TlsServers[1];
        Assert.True(b.RequireClientCertificate);
        Assert.Equal(Path.Combine("credentials", "b-cred", "ca.crt"), b.CaCertificatesFile);
        // MUTUAL's checks beyond the chain, as written.
        Assert.Equal(["client.b.example.com"], b.ClientSubjectAltNames);
        Assert.Equal(["b+7MjBbFVR2f6z61934tp3O/aL2e+cUpJ86yyG5WiSs="], b.ClientSpkiSha256);
        Assert.Single(b.ClientCertificateSha256);
        Assert.Empty(a.ClientSubjectAltNames);
        // By IANA name, the unknown one left out (the validator warns about it).
        Assert.Equal(["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"], a.CipherSuites);
        Assert.Equal("outbound|80||frontend.default.svc.cluster.local", sim.Request("x.b.example.com:8443", listenerPort: 8443)!.Cluster);
    }

    [Fact]
    public void Generate_MutualServerWithCaCrl_TheFileAsWritten_SimpleOnesNone()
    {
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: crl, namespace: default }
            spec:
              selector: { istio: ingressgateway }
              servers:
              - port: { number: 8443, name: https-m, protocol: HTTPS }
                hosts: [m.example.com]
                tls: { mode: MUTUAL, serverCertificate: /etc/m.crt, privateKey: /etc/m.key, caCertificates: /etc/ca.crt, caCrl: /etc/ca.crl }
              - port: { number: 8443, name: https-s, protocol: HTTPS }
                hosts: [s.example.com]
                tls: { mode: SIMPLE, serverCertificate: /etc/s.crt, privateKey: /etc/s.key, caCrl: /etc/ca.crl }
            """);

        var servers = Assert.Single(sim.Resources.Listeners, l => l.Port == 8443).TlsServers;
        Assert.Equal(["/etc/ca.crl", ""], servers.Select(s => s.CaCrlFile));
    }

    [Fact]
    public void Generate_HttpsRedirect_HttpHostAnswersRedirectToHttps()
    {
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, SecureGateway);

        var http = Assert.Single(sim.Resources.Listeners, l => l.Port == 8080);
        Assert.Empty(http.TlsServers);
        var route = sim.Request("a.example.com:8080", listenerPort: 8080)!.Route;
        Assert.Equal("https", route.Redirect.SchemeRedirect);
        Assert.Equal(301u, route.Redirect.ResponseCode);
    }

    [Fact]
    public void Generate_PassthroughServerWithoutTlsRoute_NoListener()
    {
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, SecureGateway);
        Assert.DoesNotContain(sim.Resources.Listeners, l => l.Port == 9443);
    }
}
