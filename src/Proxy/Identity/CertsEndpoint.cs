// The proxy admin's /certs: this proxy's identity, its certificate (serial, validity, chain) and the trust bundle it verifies peers with.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mesh.Proxy.Identity;

internal static class CertsEndpoint
{
    public const string Path = "/certs";

    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static void Map(IEndpointRouteBuilder endpoints, WorkloadIdentityStore store) =>
        endpoints.MapGet(Path, async (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            using var buffer = new MemoryStream();
            await using (var json = new Utf8JsonWriter(buffer, Indented))
            {
                Write(json, store);
            }

            buffer.Position = 0;
            await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
        });

    private static void Write(Utf8JsonWriter json, WorkloadIdentityStore store)
    {
        json.WriteStartObject();
        var current = store.Current;
        if (current is null)
        {
            json.WriteString("identity", (string?)null);
            json.WriteString("status", store.IsEnabled ? "waiting for the first certificate" : "no identity: started without a CA token, plaintext only");
            json.WriteEndObject();
            return;
        }

        json.WriteString("identity", current.Identity.Uri);
        json.WriteNumber("certificates_installed", store.Installed);
        json.WriteStartObject("certificate");
        WriteCertificate(json, current.Leaf);
        json.WriteEndObject();
        json.WriteStartArray("chain");
        foreach (var intermediate in current.Intermediates)
        {
            json.WriteStartObject();
            WriteCertificate(json, intermediate);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("trust_bundle");
        foreach (var root in current.Bundle.Roots)
        {
            json.WriteStartObject();
            WriteCertificate(json, root);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteCertificate(Utf8JsonWriter json, X509Certificate2 certificate)
    {
        json.WriteString("subject", certificate.Subject);
        json.WriteString("issuer", certificate.Issuer);
        json.WriteString("serial", certificate.SerialNumber);
        json.WriteString("not_before", certificate.NotBefore.ToUniversalTime());
        json.WriteString("not_after", certificate.NotAfter.ToUniversalTime());
        json.WriteString("sha256", certificate.GetCertHashString(HashAlgorithmName.SHA256));
        json.WriteStartArray("uri_sans");
        foreach (var uri in Mesh.Security.UriSubjectAlternativeNames.Read(certificate))
        {
            json.WriteStringValue(uri);
        }

        json.WriteEndArray();
    }
}
