using System.Net;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Tests.Istio;
using Mesh.Istio;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// Istio's own samples, loaded unchanged through the real loader and translation into a real sidecar proxy in front of
/// real backends, behave as istio.io's tasks document: Bookinfo's fault injection ("Fault Injection" task), the CORS
/// test config, and the "Mirroring" task (whose YAML istio.io gives inline; it is not a sample file). Only the
/// workloads behind the services are the test's: ServiceEntries and WorkloadEntries on 127.0.0.1, without sidecars.
/// </summary>
public sealed class IstioSampleBehaviourTests
{
    private const string BookinfoNetworking = "samples/bookinfo/networking";

    [SkippableFact]
    public async Task RatingsTestAbort_JasonGetsHttp500AndEveryoneElseReachesRatings()
    {
        ConformanceFiles.SkipUnlessPresent();
        await using var ratings = await SampleBackend.StartAsync("ratings-v1");
        var snapshot = Load(
            [$"{BookinfoNetworking}/destination-rule-all.yaml", $"{BookinfoNetworking}/virtual-service-ratings-test-abort.yaml"],
            Workload("ratings", 9080, ("v1", ratings.Port)));
        await using var proxy = await SampleProxy.StartAsync(snapshot, "reviews-v2", "default");

        using var jason = await SendAsync(proxy, "ratings:9080", ("end-user", "jason"));
        using var other = await SendAsync(proxy, "ratings:9080", ("end-user", "alice"));

        Assert.Equal(HttpStatusCode.InternalServerError, jason.StatusCode);
        Assert.Equal("fault filter abort", await jason.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("ratings-v1", await other.Content.ReadAsStringAsync());
        Assert.Equal(1, ratings.Requests);
    }

    [SkippableFact]
    public async Task RatingsTestDelay_JasonWaitsSevenSecondsOfTheProxysClockAndOthersDoNot()
    {
        ConformanceFiles.SkipUnlessPresent();
        await using var ratings = await SampleBackend.StartAsync("ratings-v1");
        var snapshot = Load(
            [$"{BookinfoNetworking}/destination-rule-all.yaml", $"{BookinfoNetworking}/virtual-service-ratings-test-delay.yaml"],
            Workload("ratings", 9080, ("v1", ratings.Port)));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var proxy = await SampleProxy.StartAsync(snapshot, "reviews-v2", "default", clock);

        using var other = await SendAsync(proxy, "ratings:9080");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        var jason = SendAsync(proxy, "ratings:9080", ("end-user", "jason"));
        var advanced = TimeSpan.Zero;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (!jason.IsCompleted)
            {
                // The proxy's clock moves only here: the delay cannot end before it has moved 7 s, however late it started.
                await Task.Delay(20, deadline.Token);
                clock.Advance(TimeSpan.FromMilliseconds(250));
                advanced += TimeSpan.FromMilliseconds(250);
            }
        }

        using var delayed = await jason;
        Assert.Equal(HttpStatusCode.OK, delayed.StatusCode);
        Assert.True(advanced >= TimeSpan.FromSeconds(7), $"answered after {advanced.TotalSeconds} s of the proxy's clock, before the 7 s fixedDelay");
        Assert.Equal(2, ratings.Requests);
    }

    [SkippableFact]
    public async Task FaultInjectionDetails_EveryRequestAbortedWith555()
    {
        ConformanceFiles.SkipUnlessPresent();
        await using var details = await SampleBackend.StartAsync("details-v1");
        var snapshot = Load([$"{BookinfoNetworking}/fault-injection-details-v1.yaml"], Workload("details", 9080, ("v1", details.Port)));
        await using var proxy = await SampleProxy.StartAsync(snapshot, "productpage-v1", "default");

        for (var i = 0; i < 5; i++)
        {
            using var response = await SendAsync(proxy, "details:9080");
            Assert.Equal((HttpStatusCode)555, response.StatusCode);
        }

        Assert.Equal(0, details.Requests);
    }

    [SkippableFact]
    public async Task CorsPolicyConfig_PreflightAnsweredByTheProxyAndActualResponsesCarryTheHeaders()
    {
        ConformanceFiles.SkipUnlessPresent();
        await using var backend = await SampleBackend.StartAsync("cors");
        var snapshot = Load(["tests/testdata/config/rule-default-route-cors-policy.yaml"], "");
        await using var proxy = await SampleProxy.StartAsync(snapshot, "client", "testns",
            endpointPorts: new Dictionary<string, int> { ["outbound|80||cors.test.istio.io"] = backend.Port });

        using var preflight = await SendAsync(proxy, "cors.test.istio.io", HttpMethod.Options,
            ("Origin", "http://foo.example"), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type"));
        Assert.Equal(HttpStatusCode.OK, preflight.StatusCode);
        Assert.Equal("http://foo.example", Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Equal("POST,GET,OPTIONS", Header(preflight, "Access-Control-Allow-Methods"));
        Assert.Equal("content-type", Header(preflight, "Access-Control-Allow-Headers"));
        Assert.Equal("300", Header(preflight, "Access-Control-Max-Age"));
        Assert.Equal("true", Header(preflight, "Access-Control-Allow-Credentials"));
        Assert.Equal(0, backend.Requests);

        using var actual = await SendAsync(proxy, "cors.test.istio.io", HttpMethod.Get, ("Origin", "http://foo.example"));
        Assert.Equal("cors", await actual.Content.ReadAsStringAsync());
        Assert.Equal("http://foo.example", Header(actual, "Access-Control-Allow-Origin"));
        Assert.Equal("x-custom-header", Header(actual, "Access-Control-Expose-Headers"));

        // An origin the policy does not allow: the preflight goes on to the backend (unmatchedPreflights FORWARD, the
        // default), and nothing in the answer lets the browser through.
        using var foreign = await SendAsync(proxy, "cors.test.istio.io", HttpMethod.Options,
            ("Origin", "http://bar.example"), ("Access-Control-Request-Method", "POST"));
        Assert.Equal("cors", await foreign.Content.ReadAsStringAsync());
        Assert.Null(Header(foreign, "Access-Control-Allow-Origin"));
        Assert.Equal(2, backend.Requests);
    }

    [Fact]
    public async Task MirroringTask_V1AnswersAndV2GetsTheCopyAsHttpbinShadow()
    {
        await using var v1 = await SampleBackend.StartAsync("httpbin-v1");
        await using var v2 = await SampleBackend.StartAsync("httpbin-v2");
        // istio.io "Mirroring": the DestinationRule and the VirtualService that mirrors 100% of traffic to v2.
        var snapshot = Load([], Workload("httpbin", 8000, ("v1", v1.Port), ("v2", v2.Port)), """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: httpbin
            spec:
              host: httpbin
              subsets:
              - name: v1
                labels:
                  version: v1
              - name: v2
                labels:
                  version: v2
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: httpbin
            spec:
              hosts:
              - httpbin
              http:
              - route:
                - destination:
                    host: httpbin
                    subset: v1
                  weight: 100
                mirror:
                  host: httpbin
                  subset: v2
                mirrorPercentage:
                  value: 100.0
            """);
        await using var proxy = await SampleProxy.StartAsync(snapshot, "curl", "default");

        using var response = await SendAsync(proxy, "httpbin:8000", HttpMethod.Get, path: "/headers");

        Assert.Equal("httpbin-v1", await response.Content.ReadAsStringAsync());
        Assert.Equal(("httpbin:8000", "GET", "/headers"), await v1.NextAsync());
        Assert.Equal(("httpbin-shadow:8000", "GET", "/headers"), await v2.NextAsync());
    }

    /// <summary>Sample files (relative to the conformance data) and the test's own YAML, loaded together as the control plane loads a folder.</summary>
    private static MeshSnapshot Load(string[] sampleFiles, string workloads, string inline = "")
    {
        var resources = new List<IstioResource>();
        foreach (var file in sampleFiles)
        {
            var result = IstioConfigLoader.LoadFile(Path.Combine(ConformanceFiles.Root, file));
            Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
            resources.AddRange(result.Resources);
        }

        foreach (var text in new[] { workloads, inline })
        {
            if (text.Length == 0) continue;
            var result = IstioConfigLoader.LoadText(text, "test.yaml");
            Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
            resources.AddRange(result.Resources);
        }

        return MeshSnapshotBuilder.Build(1, resources);
    }

    /// <summary>
    /// A Kubernetes-style service (host <c>name.default.svc.cluster.local</c>, one HTTP port) whose versions run on the
    /// given local ports; the namespace's PeerAuthentication is DISABLE because these backends have no sidecar.
    /// </summary>
    private static string Workload(string name, int servicePort, params (string Version, int Port)[] versions)
    {
        var yaml = new System.Text.StringBuilder($$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: {{name}}, namespace: default }
            spec:
              hosts: [{{name}}.default.svc.cluster.local]
              location: MESH_INTERNAL
              ports: [{ number: {{servicePort}}, name: http, protocol: HTTP }]
              resolution: STATIC
              workloadSelector: { labels: { app: {{name}} } }
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: { name: default, namespace: default }
            spec:
              mtls: { mode: DISABLE }
            """);
        foreach (var (version, port) in versions)
        {
            yaml.Append($$"""

                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: { name: {{name}}-{{version}}, namespace: default }
                spec:
                  address: 127.0.0.1
                  ports: { http: {{port}} }
                  labels: { app: {{name}}, version: {{version}} }
                """);
        }

        return yaml.ToString();
    }

    private static Task<HttpResponseMessage> SendAsync(SampleProxy proxy, string host, params (string Name, string Value)[] headers) =>
        SendAsync(proxy, host, HttpMethod.Get, headers);

    private static Task<HttpResponseMessage> SendAsync(SampleProxy proxy, string host, HttpMethod method, params (string Name, string Value)[] headers) =>
        SendAsync(proxy, host, method, "/", headers);

    private static async Task<HttpResponseMessage> SendAsync(SampleProxy proxy, string host, HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Host = host;
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return await proxy.Client.SendAsync(request);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
