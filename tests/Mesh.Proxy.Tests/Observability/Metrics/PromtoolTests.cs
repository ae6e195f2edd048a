using Xunit.Sdk;

namespace Mesh.Proxy.Tests.Observability.Metrics;

public sealed class PromtoolTests
{
    [Theory]
    [InlineData("broken{label=\"x\" 1\n")]
    [InlineData("# TYPE requests counter\nrequests 1\n")]
    public void AssertValid_ExpositionPromtoolRejects_Fails(string exposition)
    {
        Assert.Throws<TrueException>(() => Promtool.AssertValid(exposition));
    }
}
