using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal.Admission;

/// <summary>
/// Posts an AdmissionReview to a webhook over HTTPS: to clientConfig.url, or to clientConfig.service through
/// <see cref="TestApiServerOptions.ServiceUrls"/>, else <see cref="TestApiServerOptions.ServiceResolver"/> (tests have no cluster DNS); the server certificate must chain to
/// clientConfig.caBundle (the machine's roots when none is given); timeoutSeconds bounds the call (default 10, at most 30).
/// </summary>
internal sealed class WebhookClient(TestApiServerOptions options, TimeProvider time)
{
    private const int MaxResponseBytes = 3 * 1024 * 1024;

    /// <summary>The parsed response body; throws <see cref="WebhookCallException"/> when the call itself fails.</summary>
    public async Task<JsonObject> CallAsync(JsonObject webhook, JsonObject review, CancellationToken cancellationToken)
    {
        var clientConfig = webhook["clientConfig"] as JsonObject ?? throw new WebhookCallException("webhook has no clientConfig");
        var (url, serviceHost) = Target(clientConfig);
        var seconds = Math.Clamp(webhook["timeoutSeconds"]?.GetValue<int>() ?? 10, 1, 30);
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validator(clientConfig["caBundle"], serviceHost) },
            MaxResponseDrainSize = 0,
        };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan, MaxResponseContentBufferSize = MaxResponseBytes };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var content = new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(url, content, linked.Token);
            var body = await response.Content.ReadAsStringAsync(linked.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new WebhookCallException($"failed to call webhook: the server responded with the status code {(int)response.StatusCode}");
            }
            return JsonNode.Parse(body) as JsonObject ?? throw new WebhookCallException("received invalid webhook response: not an object");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new WebhookCallException($"failed to call webhook: Post \"{url}\": context deadline exceeded");
        }
        catch (HttpRequestException e)
        {
            throw new WebhookCallException($"failed to call webhook: Post \"{url}\": {e.Message}");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new WebhookCallException($"received invalid webhook response: {e.Message}");
        }
    }

    /// <summary>Where to post, and for a service reference the name its certificate must carry (NAME.NAMESPACE.svc).</summary>
    private (Uri Url, string? ServiceHost) Target(JsonObject clientConfig)
    {
        if (clientConfig["url"]?.GetValue<string>() is { } url)
        {
            return (new Uri(url), null);
        }
        var service = clientConfig["service"] ?? throw new WebhookCallException("clientConfig has neither url nor service");
        var key = (service["namespace"]?.GetValue<string>() ?? "", service["name"]?.GetValue<string>() ?? "", service["port"]?.GetValue<int>() ?? 443);
        if (!options.ServiceUrls.TryGetValue(key, out var baseUri) && (baseUri = options.ServiceResolver?.Invoke(key)) is null)
        {
            throw new WebhookCallException($"failed to call webhook: service {key.Item2}.{key.Item1}:{key.Item3} has no entry in " +
                "TestApiServerOptions.ServiceUrls and ServiceResolver does not name it");
        }
        var path = service["path"]?.GetValue<string>() ?? "";
        return (new Uri(baseUri.GetLeftPart(UriPartial.Authority) + baseUri.AbsolutePath.TrimEnd('/') + path), $"{key.Item2}.{key.Item1}.svc");
    }

    /// <summary>
    /// Trusts the caBundle (else the machine's roots) and checks the name: the URL's host, or for a service the
    /// service's DNS name, as the real server dials NAME.NAMESPACE.svc while tests listen on 127.0.0.1.
    /// </summary>
    private static RemoteCertificateValidationCallback Validator(JsonNode? caBundle, string? serviceHost)
    {
        X509Certificate2Collection? roots = null;
        if (caBundle?.GetValue<string>() is { Length: > 0 } encoded)
        {
            roots = [];
            roots.ImportFromPem(Encoding.ASCII.GetString(Convert.FromBase64String(encoded)));
        }
        return (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            {
                return false;
            }
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            var nameOk = serviceHost is null ? (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 : leaf.MatchesHostname(serviceHost);
            if (!nameOk)
            {
                return false;
            }
            if (roots is null)
            {
                return (errors & SslPolicyErrors.RemoteCertificateChainErrors) == 0;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(leaf);
        };
    }
}

/// <summary>A webhook that could not be called or answered nonsense: failurePolicy decides what that means.</summary>
internal sealed class WebhookCallException(string message) : Exception(message);
