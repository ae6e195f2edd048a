using Mesh.Meshctl.Commands;

namespace Mesh.EndToEnd.Tests.Meshctl;

/// <summary>tls-check's verdicts from config dumps: mTLS with the peer, plaintext, and each conflict that will fail traffic.</summary>
public sealed class TlsCheckTests
{
    private const string Backend = "spiffe://cluster.local/ns/default/sa/backend";

    [Fact]
    public void Render_MutualTlsToPermissiveServerWithExpectedIdentity_ShowsThePeer()
    {
        var line = Row(Client("\"tls\": { \"mode\": \"UPSTREAM_TLS_MODE_ISTIO_MUTUAL\", \"auto\": true, \"subjectAltNames\": [\"" + Backend + "\"] }"),
            Server("INBOUND_TLS_MODE_PERMISSIVE", Backend));
        Assert.Contains("ISTIO_MUTUAL (auto)", line);
        Assert.EndsWith("mTLS, peer " + Backend, line);
    }

    [Fact]
    public void Render_MutualTlsToPlaintextOnlyServer_Conflict()
    {
        var line = Row(Client("\"tls\": { \"mode\": \"UPSTREAM_TLS_MODE_ISTIO_MUTUAL\" }"), Server("INBOUND_TLS_MODE_DISABLE", Backend));
        Assert.EndsWith("CONFLICT: client sends mTLS, server accepts plaintext only", line);
    }

    [Fact]
    public void Render_ServerIdentityNotExpected_Conflict()
    {
        var line = Row(Client("\"tls\": { \"mode\": \"UPSTREAM_TLS_MODE_ISTIO_MUTUAL\", \"subjectAltNames\": [\"spiffe://cluster.local/ns/default/sa/reviews\"] }"),
            Server("INBOUND_TLS_MODE_STRICT", Backend));
        Assert.Contains("CONFLICT: server is " + Backend, line);
    }

    [Fact]
    public void Render_PlaintextClient_PlaintextOnPermissiveAndConflictOnStrict()
    {
        Assert.EndsWith("plaintext", Row(Client(null), Server("INBOUND_TLS_MODE_PERMISSIVE", Backend)));
        Assert.EndsWith("CONFLICT: client sends plaintext, server is STRICT", Row(Client(null), Server("INBOUND_TLS_MODE_STRICT", Backend)));
    }

    [Fact]
    public void Render_ServerNotGiven_SaysSo()
    {
        var line = Row(Client("\"tls\": { \"mode\": \"UPSTREAM_TLS_MODE_ISTIO_MUTUAL\" }"), null);
        Assert.Contains("server unknown", line);
    }

    private static string Row(string client, TlsCheck.Peer? server)
    {
        var table = TlsCheck.Render(client, server is null ? [] : [server], "backend.default.svc.cluster.local");
        return Assert.Single(table.Split('\n'), l => l.StartsWith("outbound|", StringComparison.Ordinal)).TrimEnd();
    }

    private static string Client(string? tls) => $$"""
        { "configs": {
            "cds": { "resources": [ { "name": "outbound|9080||backend.default.svc.cluster.local"{{(tls is null ? "" : ", " + tls)}} } ] },
            "eds": { "resources": [ { "clusterName": "outbound|9080||backend.default.svc.cluster.local", "endpoints": [ { "address": "127.0.0.1", "port": 17002 } ] } ] },
            "lds": { "resources": [] }, "rds": { "resources": [] } } }
        """;

    private static TlsCheck.Peer Server(string mode, string identity) => new($$"""
        { "configs": {
            "cds": { "resources": [] }, "eds": { "resources": [] }, "rds": { "resources": [] },
            "lds": { "resources": [ { "name": "virtualInbound_17002", "address": "127.0.0.1", "port": 17002, "tlsMode": "{{mode}}" } ] } } }
        """, $$"""{ "identity": "{{identity}}" }""");
}
