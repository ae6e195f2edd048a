using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Tests.Observability.Metrics;

public sealed class MetricRegistryTests
{
    [Fact]
    public void Expose_CounterAndGauge_WritesHelpTypeAndSamplesInNameAndLabelOrder()
    {
        var registry = new MetricRegistry();
        var requests = registry.CreateCounter("b_requests_total", "Requests.", ["code"]);
        var build = registry.CreateGauge("a_build", "Build info.", ["tag"]);
        requests.WithLabels("500").Increment();
        requests.WithLabels("200").Add(3);
        build.WithLabels("1.0").Set(1);

        var text = registry.Expose();

        Assert.Equal(
            "# HELP a_build Build info.\n" +
            "# TYPE a_build gauge\n" +
            "a_build{tag=\"1.0\"} 1\n" +
            "# HELP b_requests_total Requests.\n" +
            "# TYPE b_requests_total counter\n" +
            "b_requests_total{code=\"200\"} 3\n" +
            "b_requests_total{code=\"500\"} 1\n" +
            "# HELP mesh_metrics_series_overflow_total Label sets that found their metric family full and were recorded in its overflow series instead.\n" +
            "# TYPE mesh_metrics_series_overflow_total counter\n" +
            "mesh_metrics_series_overflow_total{metric=\"a_build\"} 0\n" +
            "mesh_metrics_series_overflow_total{metric=\"b_requests_total\"} 0\n",
            text);
        Promtool.AssertValid(text);
    }

    [Fact]
    public void Expose_Histogram_WritesCumulativeBucketsInfSumAndCount()
    {
        var registry = new MetricRegistry();
        var latency = registry.CreateHistogram("latency_ms", "Latency.", ["route"], [1, 10]);
        var series = latency.WithLabels("r1");
        series.Observe(0.5);
        series.Observe(1);
        series.Observe(7);
        series.Observe(100);

        var text = registry.Expose();

        Assert.Contains(
            "# TYPE latency_ms histogram\n" +
            "latency_ms_bucket{route=\"r1\",le=\"1\"} 2\n" +
            "latency_ms_bucket{route=\"r1\",le=\"10\"} 3\n" +
            "latency_ms_bucket{route=\"r1\",le=\"+Inf\"} 4\n" +
            "latency_ms_sum{route=\"r1\"} 108.5\n" +
            "latency_ms_count{route=\"r1\"} 4\n",
            text);
    }

    [Fact]
    public void Expose_HistogramWithoutLabels_WritesOnlyLeInBuckets()
    {
        var registry = new MetricRegistry();
        registry.CreateHistogram("sizes", "Sizes.", [], [0.5]).WithLabels().Observe(0.25);

        var text = registry.Expose();

        Assert.Contains("sizes_bucket{le=\"0.5\"} 1\nsizes_bucket{le=\"+Inf\"} 1\nsizes_sum 0.25\nsizes_count 1\n", text);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("say \"hi\"", "say \\\"hi\\\"")]
    [InlineData("two\nlines", "two\\nlines")]
    public void Expose_LabelValueWithSpecialCharacters_IsEscaped(string value, string expected)
    {
        var registry = new MetricRegistry();
        registry.CreateCounter("escaped_total", "Escaping.", ["v"]).WithLabels(value).Increment();

        var text = registry.Expose();

        Assert.Contains($"escaped_total{{v=\"{expected}\"}} 1\n", text);
        Promtool.AssertValid(text);
    }

    [Fact]
    public void Expose_HelpWithBackslashAndNewline_IsEscaped()
    {
        var registry = new MetricRegistry();
        registry.CreateCounter("helped_total", "a\\b\nc \"q\"", []);

        Assert.Contains("# HELP helped_total a\\\\b\\nc \"q\"\n", registry.Expose());
    }

    [Fact]
    public void WithLabels_SameValuesTwice_ReturnsSameSeries()
    {
        var family = new MetricRegistry().CreateCounter("same_total", "Same.", ["a", "b"]);

        Assert.Same(family.WithLabels("x", "y"), family.WithLabels(new string(['x']), "y"));
        Assert.NotSame(family.WithLabels("x", "y"), family.WithLabels("y", "x"));
    }

    [Fact]
    public void WithLabels_WrongCount_ThrowsNamingMetricAndLabels()
    {
        var family = new MetricRegistry().CreateCounter("count_total", "Count.", ["a", "b"]);

        var error = Assert.Throws<ArgumentException>(() => family.WithLabels("only-one"));

        Assert.Contains("count_total", error.Message);
        Assert.Contains("a, b", error.Message);
    }

    [Fact]
    public void WithLabels_NullValue_ThrowsNamingLabel()
    {
        var family = new MetricRegistry().CreateCounter("null_total", "Null.", ["a"]);

        var error = Assert.Throws<ArgumentException>(() => family.WithLabels((string)null!));

        Assert.Contains("label 'a'", error.Message);
    }

    [Fact]
    public void WithLabels_PastSeriesCap_RecordsIntoOverflowSeriesAndCountsIt()
    {
        var registry = new MetricRegistry(maxSeriesPerFamily: 2);
        var family = registry.CreateCounter("capped_total", "Capped.", ["path"]);
        family.WithLabels("/a").Increment();
        family.WithLabels("/b").Increment();

        family.WithLabels("/c").Increment();
        family.WithLabels("/d").Increment();
        family.WithLabels("/a").Increment();

        var text = registry.Expose();
        Assert.Contains("capped_total{path=\"/a\"} 2\n", text);
        Assert.Contains("capped_total{path=\"overflow\"} 2\n", text);
        Assert.DoesNotContain("/c", text);
        Assert.Contains("mesh_metrics_series_overflow_total{metric=\"capped_total\"} 2\n", text);
        Promtool.AssertValid(text);
    }

    [Theory]
    [InlineData("9starts_with_digit", "ok")]
    [InlineData("has-dash", "ok")]
    [InlineData("fine", "__reserved")]
    [InlineData("fine", "bad-label")]
    public void CreateCounter_InvalidNames_Throws(string metric, string label)
    {
        Assert.Throws<ArgumentException>(() => new MetricRegistry().CreateCounter(metric, "Help.", [label]));
    }

    [Fact]
    public void CreateCounter_SameNameTwice_Throws()
    {
        var registry = new MetricRegistry();
        registry.CreateCounter("twice_total", "Once.", []);

        var error = Assert.Throws<ArgumentException>(() => registry.CreateCounter("twice_total", "Twice.", []));

        Assert.Contains("already registered", error.Message);
    }

    [Theory]
    [InlineData(new[] { 1.0, 1.0 })]
    [InlineData(new[] { 5.0, 1.0 })]
    [InlineData(new[] { 1.0, double.PositiveInfinity })]
    public void CreateHistogram_BoundsNotStrictlyIncreasingOrInfinite_Throws(double[] bounds)
    {
        Assert.Throws<ArgumentException>(() => new MetricRegistry().CreateHistogram("h", "H.", [], bounds));
    }

    [Fact]
    public void CreateHistogram_LabelNamedLe_Throws()
    {
        Assert.Throws<ArgumentException>(() => new MetricRegistry().CreateHistogram("h", "H.", ["le"], [1]));
    }

    [Fact]
    public void Counter_AddNegative_Throws()
    {
        var counter = new MetricRegistry().CreateCounter("neg_total", "Neg.", []).WithLabels();

        Assert.Throws<ArgumentOutOfRangeException>(() => counter.Add(-1));
    }

    [Fact]
    public void Record_FromManyThreads_LosesNoIncrement()
    {
        var registry = new MetricRegistry();
        var counter = registry.CreateCounter("threads_total", "Threads.", []).WithLabels();
        var histogram = registry.CreateHistogram("threads_ms", "Threads.", [], [10]).WithLabels();
        const int PerThread = 20_000;

        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                counter.Increment();
                histogram.Observe(1);
            }
        });

        Assert.Equal(4 * PerThread, counter.Value);
        var text = registry.Expose();
        Assert.Contains($"threads_ms_sum {4 * PerThread}\n", text);
        Assert.Contains($"threads_ms_count {4 * PerThread}\n", text);
    }

    [Fact]
    public void Record_ExistingLabelSet_AllocatesNothing()
    {
        var registry = new MetricRegistry();
        var counters = registry.CreateCounter("alloc_total", "Alloc.", ["a", "b", "c"]);
        var histograms = registry.CreateHistogram("alloc_ms", "Alloc.", ["a"], [1, 10, 100]);
        var a = "route-a";
        var b = "peer-b";
        counters.WithLabels(a, b, "200").Increment();
        histograms.WithLabels(a).Observe(5);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            counters.WithLabels(a, b, "200").Increment();
            histograms.WithLabels(a).Observe(i % 200);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Expose_SpecialDoubles_AreSpelledAsPrometheusExpects()
    {
        var registry = new MetricRegistry();
        var gauges = registry.CreateGauge("special", "Special.", ["k"]);
        gauges.WithLabels("inf").Set(double.PositiveInfinity);
        gauges.WithLabels("nan").Set(double.NaN);
        gauges.WithLabels("neg").Set(double.NegativeInfinity);
        gauges.WithLabels("small").Set(0.001);

        var text = registry.Expose();

        Assert.Contains("special{k=\"inf\"} +Inf\n", text);
        Assert.Contains("special{k=\"nan\"} NaN\n", text);
        Assert.Contains("special{k=\"neg\"} -Inf\n", text);
        Assert.Contains("special{k=\"small\"} 0.001\n", text);
        Promtool.AssertValid(text);
    }
}
