using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Kubernetes.Tests;

/// <summary>
/// A tiny admission webhook on https://127.0.0.1 with a CA of its own (its certificate also names
/// webhook.default.svc, for service references): it records each AdmissionReview and answers what the test decides.
/// </summary>
internal sealed class TestWebhook : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestWebhook(WebApplication app, string caBundle, Uri url)
    {
        _app = app;
        CaBundle = caBundle;
        Url = url;
    }

    /// <summary>The CA in PEM, base64-encoded as a webhook configuration's caBundle.</summary>
    public string CaBundle { get; }

    public Uri Url { get; }

    public ConcurrentQueue<JsonObject> Requests { get; } = new();

    /// <summary>Starts a webhook whose answer is computed from each AdmissionReview request (the uid is filled in).</summary>
    public static async Task<TestWebhook> StartAsync(Func<JsonObject, JsonObject> answer)
    {
        var (ca, serving) = Certificates();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(serving)));
        var app = builder.Build();
        TestWebhook? self = null;
        app.Run(async context =>
        {
            var review = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
            var request = (JsonObject)review["request"]!;
            self!.Requests.Enqueue(request);
            var response = answer(request);
            response["uid"] = request["uid"]!.GetValue<string>();
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject
            {
                ["apiVersion"] = review["apiVersion"]!.GetValue<string>(),
                ["kind"] = "AdmissionReview",
                ["response"] = response,
            }.ToJsonString());
        });
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        self = new TestWebhook(app, Convert.ToBase64String(Encoding.ASCII.GetBytes(ca.ExportCertificatePem())), new Uri($"https://127.0.0.1:{port}"));
        return self;
    }

    public static JsonObject Allow() => new() { ["allowed"] = true };

    public static JsonObject Deny(string message, int code = 403) => new()
    {
        ["allowed"] = false,
        ["status"] = new JsonObject { ["code"] = code, ["message"] = message },
    };

    public static JsonObject Patch(string jsonPatch) => new()
    {
        ["allowed"] = true,
        ["patchType"] = "JSONPatch",
        ["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(jsonPatch)),
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static (X509Certificate2 Ca, X509Certificate2 Serving) Certificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=test-webhook-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        using var caWithKey = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=webhook", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("webhook.default.svc");
        request.CertificateExtensions.Add(names.Build());
        using var signed = request.Create(caWithKey, now.AddDays(-1), now.AddDays(29), RandomNumberGenerator.GetBytes(12));
        using var withKey = signed.CopyWithPrivateKey(key);
        return (X509CertificateLoader.LoadCertificate(caWithKey.RawData),
            X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
    }
}
