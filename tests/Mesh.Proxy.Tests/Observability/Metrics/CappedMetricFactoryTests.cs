using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Tests.Observability.Metrics;

/// <summary>Our rules on top of prometheus-net: one cap per family, overflow counted, label values checked with the metric named.</summary>
public sealed class CappedMetricFactoryTests
{
    [Fact]
    public void WithLabels_PastSeriesCap_RecordsIntoOverflowSeriesAndCountsIt()
    {
        var metrics = TextExposition.NewFactory(maxSeriesPerFamily: 2);
        var family = metrics.CreateCounter("capped_total", "Capped.", ["path"]);
        family.WithLabels("/a").Inc();
        family.WithLabels("/b").Inc();

        family.WithLabels("/c").Inc();
        family.WithLabels("/d").Inc();
        family.WithLabels("/a").Inc();

        var text = TextExposition.Of(metrics);
        Assert.Contains("capped_total{path=\"/a\"} 2\n", text);
        Assert.Contains("capped_total{path=\"overflow\"} 2\n", text);
        Assert.DoesNotContain("/c", text);
        Assert.Contains("mesh_metrics_series_overflow_total{metric=\"capped_total\"} 2\n", text);
        Promtool.AssertValid(text);
    }

    [Fact]
    public void WithLabels_ExplicitCapPerFamily_OverridesTheDefault()
    {
        var metrics = TextExposition.NewFactory(maxSeriesPerFamily: 100);
        var family = metrics.CreateHistogram("small_ms", "Small.", ["route"], [1, 10], maxSeries: 1);

        family.WithLabels("r1").Observe(5);
        family.WithLabels("r2").Observe(5);

        var text = TextExposition.Of(metrics);
        Assert.Contains("small_ms_count{route=\"r1\"} 1\n", text);
        Assert.Contains("small_ms_count{route=\"overflow\"} 1\n", text);
        Assert.Contains("mesh_metrics_series_overflow_total{metric=\"small_ms\"} 1\n", text);
    }

    [Fact]
    public void WithLabels_SameLabelSetFromManyThreads_TakesOneSlotOfTheCap()
    {
        var metrics = TextExposition.NewFactory(maxSeriesPerFamily: 2);
        var family = metrics.CreateCounter("racing_total", "Racing.", ["peer"]);

        Parallel.For(0, 64, _ => family.WithLabels(new string(['a'])).Inc());
        family.WithLabels("b").Inc();

        var text = TextExposition.Of(metrics);
        Assert.Contains("racing_total{peer=\"a\"} 64\n", text);
        Assert.Contains("racing_total{peer=\"b\"} 1\n", text);
        Assert.Contains("mesh_metrics_series_overflow_total{metric=\"racing_total\"} 0\n", text);
    }

    [Fact]
    public void WithLabels_SameValuesTwice_ReturnsSameChild()
    {
        var family = TextExposition.NewFactory().CreateCounter("same_total", "Same.", ["a", "b"]);

        Assert.Same(family.WithLabels("x", "y"), family.WithLabels(new string(['x']), "y"));
        Assert.NotSame(family.WithLabels("x", "y"), family.WithLabels("y", "x"));
    }

    [Fact]
    public void WithLabels_CallerChangesItsArrayAfterwards_KeepsTheSeriesItNamed()
    {
        var family = TextExposition.NewFactory().CreateCounter("owned_total", "Owned.", ["a"]);
        string[] values = ["x"];
        var child = family.WithLabels(values);

        values[0] = "y";

        Assert.Same(child, family.WithLabels("x"));
        Assert.NotSame(child, family.WithLabels("y"));
    }

    [Fact]
    public void WithLabels_WrongCount_ThrowsNamingMetricAndLabels()
    {
        var family = TextExposition.NewFactory().CreateCounter("count_total", "Count.", ["a", "b"]);

        var error = Assert.Throws<ArgumentException>(() => family.WithLabels("only-one"));

        Assert.Contains("count_total", error.Message);
        Assert.Contains("a, b", error.Message);
    }

    [Fact]
    public void WithLabels_NullValue_ThrowsNamingLabel()
    {
        var family = TextExposition.NewFactory().CreateCounter("null_total", "Null.", ["a"]);

        var error = Assert.Throws<ArgumentException>(() => family.WithLabels((string)null!));

        Assert.Contains("label 'a'", error.Message);
    }

    [Fact]
    public void CreateCounter_SameNameTwice_Throws()
    {
        var metrics = TextExposition.NewFactory();
        metrics.CreateCounter("twice_total", "Once.", []);

        var error = Assert.Throws<ArgumentException>(() => metrics.CreateGauge("twice_total", "Twice.", []));

        Assert.Contains("already registered", error.Message);
    }

    [Fact]
    public void Constructor_TwoFactories_KeepTheirSeriesApart()
    {
        var first = TextExposition.NewFactory();
        var second = TextExposition.NewFactory();

        first.CreateCounter("apart_total", "Apart.", ["proxy"]).WithLabels("first").Inc();
        second.CreateCounter("apart_total", "Apart.", ["proxy"]).WithLabels("second").Inc();

        Assert.DoesNotContain("second", TextExposition.Of(first));
        Assert.DoesNotContain("first", TextExposition.Of(second));
    }
}
