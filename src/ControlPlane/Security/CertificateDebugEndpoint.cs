// The control plane's /debug/certz: the CA in use and every workload certificate it issued recently.
using System.Text.Json;
using Mesh.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mesh.ControlPlane.Security;

internal static class CertificateDebugEndpoint
{
    public const string Path = "/debug/certz";

    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static void Map(IEndpointRouteBuilder endpoints, CertificateAuthority authority, IssuedCertificateRegistry issued) =>
        endpoints.MapGet(Path, async (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            using var buffer = new MemoryStream();
            await using (var json = new Utf8JsonWriter(buffer, Indented))
            {
                Write(json, authority, issued.Snapshot());
            }

            buffer.Position = 0;
            await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
        });

    private static void Write(Utf8JsonWriter json, CertificateAuthority authority, IssuedCertificateRecord[] records)
    {
        json.WriteStartObject();
        json.WriteString("trust_domain", authority.TrustDomain);
        json.WriteStartObject("signing_ca");
        json.WriteString("subject", authority.Signing.Subject);
        json.WriteString("serial", authority.Signing.SerialNumber);
        json.WriteString("not_after", authority.Signing.NotAfter.ToUniversalTime());
        json.WriteEndObject();
        json.WriteStartArray("trust_bundle");
        foreach (var root in authority.Bundle.Roots)
        {
            json.WriteStartObject();
            json.WriteString("subject", root.Subject);
            json.WriteString("serial", root.SerialNumber);
            json.WriteString("sha256", root.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256));
            json.WriteString("not_after", root.NotAfter.ToUniversalTime());
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("issued");
        for (var i = records.Length - 1; i >= 0; i--)
        {
            var record = records[i];
            json.WriteStartObject();
            json.WriteString("identity", record.Identity);
            json.WriteString("serial", record.SerialNumber);
            json.WriteString("not_before", record.NotBefore);
            json.WriteString("not_after", record.NotAfter);
            json.WriteString("issued_at", record.IssuedAt);
            json.WriteString("peer", record.Peer);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
