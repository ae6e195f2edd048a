using System.Globalization;
using System.Text.RegularExpressions;

namespace Mesh.EndToEnd.Tests;

/// <summary>The control plane's /metrics: istiod's families, checked by promtool, with values that match the running mesh.</summary>
[Collection(ObservabilityCollection.Name)]
public sealed class ControlPlaneMetricsTests(ObservabilityFixture fixture)
{
    [Fact]
    public async Task Metrics_RunningMesh_ShowsIstiodFamiliesForEveryConnectedProxy()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var proxies = fixture.Mesh.MetricsEndpoints.Count;

        var exposition = await client.GetStringAsync(new Uri(fixture.Mesh.ControlPlaneUrl, "/metrics"));

        await PromtoolCheck.AssertValidAsync(exposition, "control plane");
        Assert.Equal(proxies, Sum(exposition, "pilot_xds"));
        foreach (var type in new[] { "cds", "eds", "lds", "rds" })
        {
            Assert.True(Sum(exposition, "pilot_xds_pushes", $"type=\"{type}\"") >= proxies, $"every proxy was sent {type}");
            Assert.True(Sum(exposition, "pilot_xds_push_time_count", $"type=\"{type}\"") >= proxies, $"push time recorded for {type}");
        }
        Assert.Equal(1, Sum(exposition, "pilot_push_triggers", "type=\"global\""));
        Assert.True(Sum(exposition, "pilot_services") >= 2, "the demo's services are counted");
        Assert.True(Sum(exposition, "citadel_server_success_cert_issuance_count") >= proxies, "every proxy got a certificate");
        Assert.Equal(Sum(exposition, "citadel_server_csr_count"), Sum(exposition, "citadel_server_success_cert_issuance_count"));
        Assert.True(Sum(exposition, "citadel_server_root_cert_expiry_timestamp") > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal(0, Sum(exposition, "pilot_total_xds_rejects"));
    }

    [Fact]
    public async Task Metrics_AskedAsPrometheusAsks_TextFormatWithoutExemplars()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Mesh.ControlPlaneUrl, "/metrics"));
        // Prometheus' own Accept header: it prefers OpenMetrics, where exemplars on counters without _total (istiod's
        // names) make it refuse the whole scrape.
        request.Headers.TryAddWithoutValidation("Accept",
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");

        using var response = await client.SendAsync(request);
        var exposition = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(" # {", exposition, StringComparison.Ordinal);
        Assert.True(Sum(exposition, "pilot_xds_pushes") > 0, "pushes were counted");
    }

    /// <summary>The sum of a family's samples whose labels contain <paramref name="labels"/> (all of them when null).</summary>
    private static double Sum(string exposition, string name, string? labels = null)
    {
        var sum = 0.0;
        foreach (Match sample in Regex.Matches(exposition, $@"^{Regex.Escape(name)}(\{{(?<labels>[^}}]*)\}})? (?<value>\S+)$", RegexOptions.Multiline))
        {
            if (labels is null || sample.Groups["labels"].Value.Contains(labels, StringComparison.Ordinal))
            {
                sum += double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }
        return sum;
    }
}
