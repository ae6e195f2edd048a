using System.Runtime.CompilerServices;
using Mesh.Proxy.Observability.Metrics;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Observability.Metrics;

public sealed class RouteMetricsTests
{
    private static readonly RouteLabels Canary = new(IstioLabelValues.ReporterSource, "reviews", "bookinfo", "canary", "v2");

    [Theory]
    [InlineData(200, "2xx")]
    [InlineData(302, "3xx")]
    [InlineData(404, "4xx")]
    [InlineData(503, "5xx")]
    [InlineData(101, "1xx")]
    [InlineData(0, "other")]
    public void RecordRequest_ResponseCode_CountsUnderItsClass(int code, string expectedClass)
    {
        var registry = TextExposition.NewFactory();
        var series = new RouteMetrics(registry).Resolve(Canary);

        series.RecordRequest(code, 3);

        Assert.Contains(
            "mesh_route_requests_total{reporter=\"source\",virtual_service=\"reviews\",virtual_service_namespace=\"bookinfo\"," +
            $"route=\"canary\",destination_subset=\"v2\",response_code_class=\"{expectedClass}\"}} 1\n",
            TextExposition.Of(registry));
    }

    [Fact]
    public void RecordRequestAndRetry_WritesDurationAndRetries()
    {
        var registry = TextExposition.NewFactory();
        var series = new RouteMetrics(registry).Resolve(Canary with { DestinationSubset = null });

        series.RecordRequest(200, 42);
        series.RecordRetry();
        series.RecordRetry();

        var text = TextExposition.Of(registry);
        Assert.Contains("mesh_route_retries_total{reporter=\"source\",virtual_service=\"reviews\",virtual_service_namespace=\"bookinfo\",route=\"canary\",destination_subset=\"unknown\"} 2\n", text);
        Assert.Contains("mesh_route_request_duration_milliseconds_bucket{reporter=\"source\",virtual_service=\"reviews\",virtual_service_namespace=\"bookinfo\",route=\"canary\",destination_subset=\"unknown\",le=\"50\"} 1\n", text);
        Promtool.AssertValid(text);
    }

    [Fact]
    public void Resolve_SameLabels_ReturnsSameHandle()
    {
        var routes = new RouteMetrics(TextExposition.NewFactory());

        Assert.Same(routes.Resolve(Canary), routes.Resolve(Canary with { }));
    }

    [Fact]
    public void Resolve_PastSeriesCap_SharesOverflowSeries()
    {
        var registry = TextExposition.NewFactory();
        var routes = new RouteMetrics(registry, maxSeries: 1);

        routes.Resolve(Canary).RecordRetry();
        routes.Resolve(Canary with { Route = "other" }).RecordRetry();

        var text = TextExposition.Of(registry);
        Assert.Contains("mesh_route_retries_total{reporter=\"overflow\",virtual_service=\"overflow\",virtual_service_namespace=\"overflow\",route=\"overflow\",destination_subset=\"overflow\"} 1\n", text);
        Assert.Contains("mesh_metrics_series_overflow_total{metric=\"mesh_route_retries_total\"} 1\n", text);
    }

    // Fully optimized from the start: a tier-0 loop is compiled again on this thread mid-loop (on-stack replacement),
    // and what that compilation allocates would be counted as the hot path's (seen once in CI, 7,312 bytes).
    [Fact]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RecordRequest_SeenClass_AllocatesNothing()
    {
        var series = new RouteMetrics(TextExposition.NewFactory()).Resolve(Canary);
        var i = 0;
        var allocated = SteadyStateAllocations.Of(() =>
        {
            series.RecordRequest(200, i++);
            series.RecordRetry();
        });

        Assert.Equal(0, allocated);
    }
}
