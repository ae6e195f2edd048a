using System.Text.Json;

namespace Mesh.EndToEnd.Tests.Containers;

/// <summary>
/// The mesh as pods in Docker containers (see <see cref="ContainerMesh"/>): an unmodified curl in pod A is captured by
/// iptables, routed by a VirtualService and carried over mutual TLS; opaque TCP and TLS to a server outside the mesh
/// follow the outbound traffic policy; excluded ports and the proxy's own uid bypass capture; cleanup undoes it.
/// </summary>
[Trait("Category", "Containers")]
public sealed class ContainerMeshTests(ContainerMeshFixture fixture) : IClassFixture<ContainerMeshFixture>
{
    private static readonly TimeSpan RouteTimeout = TimeSpan.FromSeconds(60);
    private const string PeerA = "spiffe://cluster.local/ns/default/sa/a";

    [SkippableFact]
    public async Task Pods_StartedAsAKubeletDoes_HaveIstiosCaptureRulesAndRunTheProxyAsUid1337ReadOnly()
    {
        var mesh = await fixture.StartAsync();

        foreach (var pod in new[] { "a", "b1", "b2", "echo" })
        {
            var rules = await mesh.NatRulesAsync(pod);
            foreach (var expected in new[] { ":ISTIO_INBOUND", ":ISTIO_IN_REDIRECT", ":ISTIO_OUTPUT", ":ISTIO_REDIRECT",
                         "--to-ports 15001", "--to-ports 15006", "--uid-owner 1337",
                         "--dport 15090 -j RETURN", "--dport 15021 -j RETURN", "--dport 15020 -j RETURN" })
            {
                Assert.True(rules.Contains(expected, StringComparison.Ordinal), $"pod {pod}'s nat table lacks '{expected}':\n{rules}");
            }

            var sidecar = mesh.Container(pod, "sidecar");
            Assert.Equal("1337", (await mesh.ExecAsync(sidecar, ["id", "-u"])).Out.Trim());
            Assert.Equal("true", (await DockerCli.CheckAsync(TimeSpan.FromSeconds(20), "inspect", "-f", "{{.HostConfig.ReadonlyRootfs}}", sidecar)).Trim());
        }

        // Nothing of the mesh between the tools container and the server outside it: plain, direct traffic.
        var (status, body) = await mesh.CurlAsync(mesh.Tools, $"http://{mesh.Pods.Outside}:{ContainerPods.AppPort}/");
        Assert.True(status == "200" && body.Contains("\"outside\"", StringComparison.Ordinal), $"{status} {body}");
    }

    [SkippableFact]
    public async Task Curl_InPodA_ToServiceB_IsCapturedRoutedByTheVirtualServiceOverMutualTlsAndTraced()
    {
        var mesh = await fixture.StartAsync();
        var url = $"http://{ContainerPods.ServiceAddressB}/";
        await WaitForAsync(mesh, async () => (await mesh.CurlAsync(mesh.Container("a", "app"), url)).Status == "200", $"curl {url} in pod A to answer 200");

        // The split: 40 requests in one exec reach both versions (70/30: all from one version is ~6e-7 likely).
        var versions = await VersionsAsync(mesh, url, 40);
        Assert.True(versions.Count(v => v == "v1") > 0 && versions.Count(v => v == "v2") > 0, "versions seen: " + string.Join(',', versions));

        // The header match wins over the split: every request with it is v2's.
        var matched = await VersionsAsync(mesh, url, 10, "-H", ContainerMeshConfig.HeaderToV2);
        Assert.All(matched, v => Assert.Equal("v2", v));

        // Traced: b saw the trace context and request id that the sidecars added (curl sent neither).
        var (_, body) = await mesh.CurlAsync(mesh.Container("a", "app"), url);
        var headers = JsonDocument.Parse(body).RootElement.GetProperty("headers");
        Assert.True(headers.TryGetProperty("x-request-id", out _), body);
        Assert.True(headers.TryGetProperty("traceparent", out _) || headers.TryGetProperty("x-b3-traceid", out _), body);

        // Mutual TLS: b's sidecars saw pod A's identity, and meshctl tls-check's verdict on the admin endpoints (read
        // inside each pod, where a port-forward would reach them) says so.
        var metrics = await MetricsAsync(mesh, mesh.Pods.B2);
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("istio_requests_total{", StringComparison.Ordinal)
            && line.Contains("reporter=\"destination\"", StringComparison.Ordinal)
            && line.Contains($"source_principal=\"{PeerA}\"", StringComparison.Ordinal)
            && line.Contains("connection_security_policy=\"mutual_tls\"", StringComparison.Ordinal));
        var peers = new List<Mesh.Meshctl.Commands.TlsCheck.Peer>();
        foreach (var pod in new[] { "b1", "b2" })
        {
            peers.Add(new(await mesh.AdminAsync(pod, "/config_dump"), await mesh.AdminAsync(pod, "/certs")));
        }

        var check = Mesh.Meshctl.Commands.TlsCheck.Render(await mesh.AdminAsync("a", "/config_dump"), peers, "b.default.svc.cluster.local");
        var rows = check.Split('\n').Where(l => l.Contains(mesh.Pods.B1, StringComparison.Ordinal) || l.Contains(mesh.Pods.B2, StringComparison.Ordinal)).ToList();
        Assert.True(rows.Count >= 2, check);
        Assert.All(rows, row => Assert.Contains("mTLS, peer spiffe://cluster.local/ns/default/sa/b", row));
    }

    [SkippableFact]
    public async Task DetectedPort_Http11AndH2c_CrossTheMutualTlsHopAsTheClientSpokeThem()
    {
        var mesh = await fixture.StartAsync();
        var app = mesh.Container("a", "app");
        var url = $"http://{ContainerPods.ServiceAddressBDetected}:{ContainerPods.AppPort}";
        await WaitForAsync(mesh, async () => (await mesh.CurlAsync(app, url + "/")).Status == "200", $"curl {url}/ in pod A to answer 200");

        // Sniffed as HTTP by pod A's sidecar, routed to the detected port's cluster, which follows the client (Istio's
        // USE_DOWNSTREAM_PROTOCOL): b's sidecar logs each request in the protocol it crossed the mutual TLS hop in.
        var id = Guid.NewGuid().ToString("N")[..8];
        Assert.Equal("200", (await mesh.CurlAsync(app, $"{url}/http11-{id}")).Status);
        Assert.Equal("200", (await mesh.CurlAsync(app, $"{url}/h2c-{id}", "--http2-prior-knowledge")).Status);
        var logs = "";
        await WaitForAsync(mesh, async () =>
        {
            logs = await mesh.OutputAsync(mesh.Container("b1", "sidecar")) + await mesh.OutputAsync(mesh.Container("b2", "sidecar"));
            return logs.Contains($"/http11-{id} ", StringComparison.Ordinal) && logs.Contains($"/h2c-{id} ", StringComparison.Ordinal);
        }, "b's sidecars to log both requests");
        Assert.Contains($"/http11-{id} HTTP/1.1\"", logs);
        Assert.Contains($"/h2c-{id} HTTP/2\"", logs);
    }

    [SkippableFact]
    public async Task TcpEcho_InTheMesh_IsCapturedAndProxiedOverMutualTls()
    {
        var mesh = await fixture.StartAsync();
        var app = mesh.Container("a", "app");
        var seen = "";
        await WaitForAsync(mesh, async () => (seen = await mesh.TcpEchoAsync(app, ContainerPods.ServiceAddressEcho, ContainerPods.EchoPort, "ping-mesh")) == "ping-mesh",
            $"the echo service to send back a line (last: '{seen}')");

        var metrics = await MetricsAsync(mesh, mesh.Pods.Echo);
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("istio_tcp_connections_opened_total{", StringComparison.Ordinal)
            && line.Contains("reporter=\"destination\"", StringComparison.Ordinal)
            && line.Contains($"source_principal=\"{PeerA}\"", StringComparison.Ordinal)
            && line.Contains("connection_security_policy=\"mutual_tls\"", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task OutsideServer_PassesUnderAllowAny_IsRefusedUnderRegistryOnly_AndTheProxyUidAlwaysBypasses()
    {
        var mesh = await fixture.StartAsync();
        var app = mesh.Container("a", "app");
        var outside = mesh.Pods.Outside;

        // ALLOW_ANY (the default): through the sidecar's PassthroughCluster, which dials the original destination as
        // uid 1337 (a loop back into 15001 would never answer).
        await WaitForAsync(mesh, async () => await mesh.TcpEchoAsync(app, outside, ContainerPods.EchoPort, "ping-outside") == "ping-outside",
            "plain TCP echo from pod A to the server outside the mesh");
        var https = await mesh.CurlAsync(app, $"https://{outside}:{ContainerPods.HttpsPort}/", "-k");
        Assert.True(https.Status == "200" && https.Body.Contains("\"outside\"", StringComparison.Ordinal), $"TLS client: {https}");

        Assert.True(mesh.ReadsMeshConfig, "the control plane in the image has no --mesh-config: outboundTrafficPolicy cannot be switched");
        try
        {
            await mesh.SetOutboundTrafficPolicyAsync("REGISTRY_ONLY");
            await WaitForAsync(mesh, async () => await mesh.TcpEchoAsync(app, outside, ContainerPods.EchoPort, "ping-refused") == "",
                "REGISTRY_ONLY to refuse plain TCP to the outside server");
            var refused = await mesh.CurlAsync(app, $"https://{outside}:{ContainerPods.HttpsPort}/", "-k");
            Assert.True(refused.Status is "000" or "502" && !refused.Body.Contains("\"outside\"", StringComparison.Ordinal), $"TLS client under REGISTRY_ONLY: {refused}");
            // The mesh's own services still route.
            Assert.Equal("200", (await mesh.CurlAsync(app, $"http://{ContainerPods.ServiceAddressB}/")).Status);

            // The proxy's uid is never captured: the sidecar container itself still reaches the outside server.
            var own = await mesh.CurlAsync(mesh.Container("a", "sidecar"), $"http://{outside}:{ContainerPods.AppPort}/");
            Assert.True(own.Status == "200", $"uid 1337 under REGISTRY_ONLY: {own}");
        }
        finally
        {
            await mesh.SetOutboundTrafficPolicyAsync("ALLOW_ANY");
        }

        await WaitForAsync(mesh, async () => await mesh.TcpEchoAsync(app, outside, ContainerPods.EchoPort, "ping-again") == "ping-again",
            "ALLOW_ANY again to pass plain TCP to the outside server");
    }

    [SkippableFact]
    public async Task ExcludedInboundPort_BypassesCapture_WhileTheAppPortIsServedOnlyThroughTheSidecar()
    {
        var mesh = await fixture.StartAsync();

        // 15090 is excluded: the tools container (no sidecar) reads it directly.
        var metrics = await mesh.CurlAsync(mesh.Tools, $"http://{mesh.Pods.B1}:{ContainerPods.MetricsPort}/stats/prometheus");
        Assert.Equal("200", metrics.Status);

        // 8080 is captured: the app listens on every address, yet plaintext from outside the mesh meets the sidecar's
        // STRICT mutual TLS and never the app.
        var direct = await mesh.CurlAsync(mesh.Tools, $"http://{mesh.Pods.B1}:{ContainerPods.AppPort}/");
        Assert.True(direct.Status != "200" && !direct.Body.Contains("\"b\"", StringComparison.Ordinal), $"plaintext to b1:8080: {direct}");
    }

    [SkippableFact]
    public async Task IptablesCleanup_InPodA_RestoresDirectTraffic()
    {
        var mesh = await fixture.StartAsync();
        var app = mesh.Container("a", "app");
        var outside = mesh.Pods.Outside;
        Assert.True(mesh.ReadsMeshConfig, "the control plane in the image has no --mesh-config: outboundTrafficPolicy cannot be switched");
        try
        {
            // Captured, REGISTRY_ONLY refuses pod A's connections to the server outside the mesh ...
            await mesh.SetOutboundTrafficPolicyAsync("REGISTRY_ONLY");
            await WaitForAsync(mesh, async () => await mesh.TcpEchoAsync(app, outside, ContainerPods.EchoPort, "ping-captured") == "",
                "REGISTRY_ONLY to refuse pod A's plain TCP to the outside server");

            // ... and once the rules are gone they go straight there, sidecar or not.
            var cleanup = await mesh.RunCaptureAsync("a", "--cleanup");
            Assert.True(cleanup.Exit == 0, cleanup.ToString());
            var rules = await mesh.NatRulesAsync("a");
            Assert.False(rules.Contains("ISTIO_", StringComparison.Ordinal), rules);
            Assert.Equal("ping-direct", await mesh.TcpEchoAsync(app, outside, ContainerPods.EchoPort, "ping-direct"));
            var direct = await mesh.CurlAsync(app, $"http://{outside}:{ContainerPods.AppPort}/");
            Assert.True(direct.Status == "200", $"direct HTTP to the outside server: {direct}");
        }
        finally
        {
            var capture = await mesh.RunCaptureAsync("a", ContainerPods.CaptureArgs);
            await mesh.SetOutboundTrafficPolicyAsync("ALLOW_ANY");
            Assert.True(capture.Exit == 0, "capturing pod A again: " + capture);
        }

        await WaitForAsync(mesh, async () => (await mesh.CurlAsync(app, $"http://{ContainerPods.ServiceAddressB}/")).Status == "200",
            "pod A, captured again, to reach service b");
    }

    private static async Task<string> MetricsAsync(ContainerMesh mesh, string pod) =>
        (await mesh.CurlAsync(mesh.Tools, $"http://{pod}:{ContainerPods.MetricsPort}/stats/prometheus")).Body;

    /// <summary>The version of b that answered each of <paramref name="count"/> requests, sent from pod A in one exec.</summary>
    private static async Task<List<string>> VersionsAsync(ContainerMesh mesh, string url, int count, params string[] curlArgs)
    {
        var quoted = string.Join(' ', curlArgs.Select(a => $"'{a}'"));
        var script = $"for i in $(seq {count}); do curl -s -m 5 {quoted} {url} | grep -o '\"version\": \"v[0-9]*\"'; done";
        var result = await mesh.ExecAsync(mesh.Container("a", "app"), ["bash", "-c", script], timeout: TimeSpan.FromSeconds(120));
        var versions = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim().TrimEnd('"')[^2..]).ToList();
        Assert.True(versions.Count == count, $"{versions.Count} of {count} requests answered: {result}");
        return versions;
    }

    private static async Task WaitForAsync(ContainerMesh mesh, Func<Task<bool>> condition, string what)
    {
        try
        {
            await ContainerMesh.WaitUntilAsync(condition, RouteTimeout, () => what);
        }
        catch (TimeoutException e)
        {
            Assert.Fail($"{e.Message}\n{await mesh.DiagnosticsAsync()}");
        }
    }
}
