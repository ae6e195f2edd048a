using System.Text.Json.Nodes;
using Mesh.Meshctl.Commands;

namespace Mesh.EndToEnd.Tests.Meshctl;

public sealed class ProxyConfigTablesTests
{
    [Fact]
    public void Secrets_LeafAndRoots_AreIstioctlsDefaultAndRootcaRowsWithValidity()
    {
        var certs = JsonNode.Parse("""
            {"identity": "spiffe://cluster.local/ns/default/sa/web", "certificates_installed": 1,
             "certificate": {"serial": "0A1B", "not_before": "2026-11-29T00:00:00Z", "not_after": "2026-11-30T00:00:00Z"},
             "chain": [],
             "trust_bundle": [{"serial": "01", "not_before": "2025-01-01T00:00:00Z", "not_after": "2026-01-01T00:00:00Z"}]}
            """)!;

        var lines = ProxyConfigTables.Secrets(certs, new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero)).Split(Environment.NewLine);

        Assert.Matches(@"^RESOURCE NAME\s+TYPE\s+STATUS\s+VALID CERT\s+SERIAL NUMBER\s+NOT AFTER\s+NOT BEFORE$", lines[0]);
        Assert.Matches(@"^default\s+Cert Chain\s+ACTIVE\s+true\s+0a1b\s+2026-11-30T00:00:00Z\s+2026-11-29T00:00:00Z$", lines[1]);
        Assert.Matches(@"^ROOTCA\s+CA\s+EXPIRED\s+false\s+01\s+2026-01-01T00:00:00Z\s+2025-01-01T00:00:00Z$", lines[2]);
    }

    [Fact]
    public void Secrets_NoIdentityYet_SaysWhy()
    {
        var certs = JsonNode.Parse("""{"identity": null, "status": "waiting for the first certificate"}""")!;

        Assert.Equal("no certificates: waiting for the first certificate\n", ProxyConfigTables.Secrets(certs, DateTimeOffset.UtcNow));
    }
}
