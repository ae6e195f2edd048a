namespace Mesh.EndToEnd.Tests;

/// <summary>The demo's routing, seen from outside through the gateway: gateway → frontend → backend v1/v2.</summary>
public sealed class RoutingTests(RoutingFixture fixture) : IClassFixture<RoutingFixture>
{
    [Fact]
    public async Task Gateway_EightyTwentySplit_LandsWithinFivePoints()
    {
        var answers = await fixture.Run.GetManyAsync(1000);

        Assert.All(answers, a => Assert.True(a.Status == 200, $"status {a.Status}: {a.Body}"));
        var v1 = answers.Count(a => a.Backend == "backend-v1");
        var v2 = answers.Count(a => a.Backend == "backend-v2");
        Assert.Equal(1000, v1 + v2);
        Assert.InRange(v1 / 10.0, 75.0, 85.0);
        Assert.InRange(v2 / 10.0, 15.0, 25.0);
    }

    [Fact]
    public async Task Gateway_HeaderMatch_AlwaysRoutesToV2()
    {
        var jason = new Dictionary<string, string> { ["end-user"] = "jason" };

        for (var i = 0; i < 100; i++)
        {
            var answer = await fixture.Run.GetAsync(jason);

            Assert.Equal(200, answer.Status);
            Assert.Equal(["frontend-v1", "backend-v2"], answer.Chain);
        }
    }

    [Fact]
    public async Task Gateway_Request_CarriesOneRequestIdThroughEveryHop()
    {
        var answer = await fixture.Run.GetAsync(new Dictionary<string, string> { ["x-request-id"] = "e2e-request-1" });

        Assert.Equal(200, answer.Status);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(answer.Body, "\"x-request-id\": \"e2e-request-1\"").Count);
    }
}
