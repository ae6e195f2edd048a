using Mesh.Meshctl.Commands;

namespace Mesh.EndToEnd.Tests.Meshctl;

public sealed class ProxyStatusCommandTests
{
    private const string Syncz = """
        [
            {
              "cluster_id": "Kubernetes", "proxy": "backend-v1.default", "proxy_type": "sidecar",
              "cluster_sent": "1-1", "cluster_acked": "1-1", "listener_sent": "1-2", "route_sent": "1-5", "route_acked": "1-4",
              "id": "sidecar~backend-v1.default", "role": "sidecar", "workload": "backend-v1", "namespace": "default",
              "peer": "127.0.0.1:5000", "connectedSince": "2026-11-22T05:25:02Z", "status": "NACKED",
              "types": {
                "cds": { "status": "SYNCED", "lastNack": null },
                "eds": { "status": "SYNCED", "lastNack": null },
                "lds": { "status": "STALE", "lastNack": null },
                "rds": { "status": "NACKED", "lastNack": { "nonce": "1-5", "code": 3, "message": "routes[0]: bad regex" } }
              }
            }
        ]
        """;

    [Fact]
    public void Render_ProxyWithNack_ShowsEachTypeInIstioctlOrderAndTheReason()
    {
        var lines = ProxyStatusCommand.Render(Syncz).Split(Environment.NewLine);

        Assert.StartsWith("NAME", lines[0]);
        Assert.Matches(@"^sidecar~backend-v1\.default\s+sidecar\s+SYNCED\s+STALE\s+SYNCED\s+NACKED\s+2026-11-22T05:25:02Z$", lines[1]);
        Assert.Contains("sidecar~backend-v1.default NACKed rds: routes[0]: bad regex", lines);
    }
}
