using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Mesh.ControlPlane.Webhooks;
using Mesh.Istio;
using Mesh.Security;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Webhooks;

/// <summary>The webhook listener over real TLS, and <c>/validate</c> with real AdmissionReviews: istiod's answers, meshctl validate's messages.</summary>
public sealed class ValidationWebhookTests : IAsyncLifetime
{
    private const string GoodSpec = """{"hosts":["reviews"],"http":[{"route":[{"destination":{"host":"reviews","subset":"v1"},"weight":80},{"destination":{"host":"reviews","subset":"v2"},"weight":20}]}]}""";

    private readonly CertificateAuthority _authority = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(30));
    private static readonly Mesh.Injection.SidecarInjector DefaultInjector = new(new Mesh.Injection.InjectionSettings());
    private readonly LogCapture _logs = new();
    private WebhookServer _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = WebhookServer.Create(new WebhookOptions { Port = 0, ExtraHosts = ["127.0.0.1"] }, IPAddress.Loopback, _authority,
            "istio-system", "cluster.local", ConfigInputLimits.Default, () => DefaultInjector,
            TimeProvider.System, logging => logging.AddProvider(_logs));
        await _server.StartAsync();
        _client = WebhookClient.Create(_authority, _server.Port);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        _authority.Dispose();
    }

    [Fact]
    public async Task Listener_TlsHandshake_CertificateChainsToCaRootAndNamesTheService()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _server.Port);
        await using var tls = new SslStream(tcp.GetStream());
        var trust = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        trust.CustomTrustStore.AddRange(_authority.Bundle.Roots);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "istiod.istio-system.svc.cluster.local",
            CertificateChainPolicy = trust,
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
        });

        Assert.Equal(SslApplicationProtocol.Http2, tls.NegotiatedApplicationProtocol);
        var names = X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData())
            .Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("istiod.istio-system.svc", names.EnumerateDnsNames());
        Assert.Contains("istiod.istio-system.svc.cluster.local", names.EnumerateDnsNames());
        Assert.Contains(IPAddress.Loopback, names.EnumerateIPAddresses());
    }

    [Fact]
    public async Task Listener_UnknownName_HandshakeFailsVerification()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _server.Port);
        await using var tls = new SslStream(tcp.GetStream());
        var trust = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        trust.CustomTrustStore.AddRange(_authority.Bundle.Roots);

        await Assert.ThrowsAsync<System.Security.Authentication.AuthenticationException>(() => tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions { TargetHost = "istiod.other-namespace.svc", CertificateChainPolicy = trust }));
    }

    [Fact]
    public async Task Validate_GoodVirtualService_AllowedWithTheRequestUid()
    {
        var response = await ReviewAsync(WebhookClient.Review("CREATE", WebhookClient.VirtualService(GoodSpec), uid: "uid-good"));

        Assert.Equal("admission.k8s.io/v1", response.GetProperty("apiVersion").GetString());
        Assert.Equal("AdmissionReview", response.GetProperty("kind").GetString());
        var answer = response.GetProperty("response");
        Assert.Equal("uid-good", answer.GetProperty("uid").GetString());
        Assert.True(answer.GetProperty("allowed").GetBoolean());
        Assert.False(answer.TryGetProperty("warnings", out _));
    }

    [Fact]
    public async Task Validate_BadVirtualService_RefusedWithMeshctlValidatesFieldPathMessage()
    {
        var spec = """{"hosts":["reviews"],"http":[{"route":[{"destination":{"host":"reviews"},"weight":150}]}]}""";
        var vs = WebhookClient.VirtualService(spec);

        var answer = (await ReviewAsync(WebhookClient.Review("CREATE", vs))).GetProperty("response");

        Assert.False(answer.GetProperty("allowed").GetBoolean());
        var message = answer.GetProperty("status").GetProperty("message").GetString()!;
        // The very text meshctl validate prints for the same object, after its file:line:column.
        var expected = IstioConfigLoader.LoadText(vs, "vs.json").Errors.Select(e => e.Describe()).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal("configuration is invalid: " + string.Join("; ", expected), message);
        Assert.StartsWith("configuration is invalid: VirtualService default/reviews: spec.http[0].route[0].weight: ", message);
        Assert.Contains(_logs.Lines, line => line.EventId == 461 && line.Message.Contains("spec.http[0].route[0].weight"));
    }

    [Fact]
    public async Task Validate_OverHttp2_AnswersTheSame()
    {
        using var h2 = WebhookClient.Create(_authority, _server.Port, HttpVersion.Version20);
        using var content = new StringContent(WebhookClient.Review("UPDATE", WebhookClient.VirtualService(GoodSpec)), Encoding.UTF8, "application/json");
        content.Headers.ContentType!.CharSet = null;
        using var response = await h2.PostAsync("validate", content);

        Assert.Equal(HttpVersion.Version20, response.Version);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.GetProperty("response").GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task Validate_UnknownFieldAndFieldWithoutEffect_AllowedWithWarningsKubectlPrints()
    {
        var spec = """{"hosts":["reviews"],"colour":"blue","tcp":[{"match":[{"sourceSubnet":"10.0.0.0/8"}],"route":[{"destination":{"host":"reviews"}}]}]}""";

        var answer = (await ReviewAsync(WebhookClient.Review("CREATE", WebhookClient.VirtualService(spec)))).GetProperty("response");

        Assert.True(answer.GetProperty("allowed").GetBoolean());
        var warnings = answer.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
        Assert.Contains(warnings, w => w.StartsWith("VirtualService default/reviews: spec.colour: ", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("Warning [MESH0001] (VirtualService default/reviews) spec.tcp[0].match[0].sourceSubnet: has no effect in this mesh", StringComparison.Ordinal));
    }

    [Fact]
    public void ValidationProbe_TheDryRunGateway_IsOneValidationRefuses()
    {
        var review = AdmissionReview.Parse(Encoding.UTF8.GetBytes(WebhookClient.Review("CREATE",
            ValidationProbe.Gateway("istio-system", "default").ToJsonString(), kind: "Gateway")), out _)!;

        Assert.False(ConfigAdmission.Decide(review, ConfigInputLimits.Default).Allowed);
    }

    [Fact]
    public async Task Validate_Delete_Allowed()
    {
        var answer = (await ReviewAsync(WebhookClient.Review("DELETE", "null"))).GetProperty("response");

        Assert.True(answer.GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task Validate_KindIstioDoesNotKnow_RefusedAsUnrecognizedType()
    {
        var obj = """{"apiVersion":"networking.istio.io/v1","kind":"RouteTable","metadata":{"name":"r","namespace":"default"},"spec":{}}""";

        var answer = (await ReviewAsync(WebhookClient.Review("CREATE", obj, kind: "RouteTable"))).GetProperty("response");

        Assert.False(answer.GetProperty("allowed").GetBoolean());
        Assert.Equal("unrecognized type networking.istio.io/v1, Kind=RouteTable", answer.GetProperty("status").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Validate_IstioKindThisMeshDoesNotModel_AllowedWithNoEffectWarning()
    {
        var obj = """{"apiVersion":"networking.istio.io/v1alpha3","kind":"EnvoyFilter","metadata":{"name":"default","namespace":"default"},"spec":{"configPatches":[]}}""";

        var answer = (await ReviewAsync(WebhookClient.Review("CREATE", obj, kind: "EnvoyFilter"))).GetProperty("response");

        Assert.True(answer.GetProperty("allowed").GetBoolean());
        Assert.Contains(answer.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("MESH0001", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_V1beta1Review_AnsweredInTheSameVersion()
    {
        var answer = await ReviewAsync(WebhookClient.Review("CREATE", WebhookClient.VirtualService(GoodSpec), apiVersion: "admission.k8s.io/v1beta1"));

        Assert.Equal("admission.k8s.io/v1beta1", answer.GetProperty("apiVersion").GetString());
    }

    [Fact]
    public async Task Validate_EmptyBody_400()
    {
        using var content = new ByteArrayContent([]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await _client.PostAsync("validate", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("no body found\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Validate_WrongContentType_415()
    {
        using var content = new StringContent(WebhookClient.Review("CREATE", WebhookClient.VirtualService(GoodSpec)), Encoding.UTF8, "application/yaml");
        using var response = await _client.PostAsync("validate", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains(_logs.Lines, line => line.EventId == 463 && line.Message.Contains("415"));
    }

    [Fact]
    public async Task Validate_NotAnAdmissionReview_AnsweredWithTheDecodeError()
    {
        var answer = (await ReviewAsync("""{"kind":"Pod"}""")).GetProperty("response");

        Assert.False(answer.GetProperty("allowed").GetBoolean());
        Assert.StartsWith("could not decode body", answer.GetProperty("status").GetProperty("message").GetString());
    }

    [SkippableFact]
    public async Task Inject_RealAdmissionReviewOverTls_AnsweredByTheInjector()
    {
        var file = Path.Combine(Istio.ConformanceFiles.ExpectedRoot, "..", "admission", "salesforce-generic-sidecar-injector", "testdata", "admissionreview.json");
        Istio.ConformanceFiles.SkipUnlessPresent();
        using var content = new StringContent(await File.ReadAllTextAsync(file), Encoding.UTF8, "application/json");
        content.Headers.ContentType!.CharSet = null;

        using var response = await _client.PostAsync("inject", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var answer = json.RootElement.GetProperty("response");
        Assert.Equal("e94a7790-a4fc-11e9-a276-42010a3e0104", answer.GetProperty("uid").GetString());
        Assert.True(answer.GetProperty("allowed").GetBoolean());
        Assert.Equal("JSONPatch", answer.GetProperty("patchType").GetString());
    }

    [SkippableFact]
    public async Task Validate_IstiosInvalidConformanceDocuments_EveryOneRefusedWithIstiosReason()
    {
        Istio.ConformanceFiles.SkipUnlessPresent();
        var checkedDocuments = 0;
        foreach (var file in Istio.ConformanceFiles.InvalidFiles())
        {
            foreach (var document in Istio.ConformanceFiles.Documents(file))
            {
                var obj = YamlJson.Convert(document.Yaml);
                var kind = JsonDocument.Parse(obj).RootElement.GetProperty("kind").GetString()!;

                var answer = (await ReviewAsync(WebhookClient.Review("CREATE", obj, kind: kind))).GetProperty("response");

                Assert.False(answer.GetProperty("allowed").GetBoolean(), $"{file} #{document.Index} {document.Resource} was allowed");
                Assert.Contains(document.ExpectedError!, answer.GetProperty("status").GetProperty("message").GetString()!, StringComparison.OrdinalIgnoreCase);
                checkedDocuments++;
            }
        }

        Assert.True(checkedDocuments > 10, $"only {checkedDocuments} invalid documents found");
    }

    private async Task<JsonElement> ReviewAsync(string review)
    {
        using var content = new StringContent(review, Encoding.UTF8, "application/json");
        // The API server sends exactly "application/json"; istiod compares the header as a whole.
        content.Headers.ContentType!.CharSet = null;
        using var response = await _client.PostAsync("validate", content);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: " + string.Join("\n", _logs.Lines.Select(l => l.Message)));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }
}
