using Mesh.SampleApp;

namespace Mesh.EndToEnd.Tests.SampleApp;

public sealed class FailureScheduleTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(50, 500)]
    [InlineData(20, 200)]
    [InlineData(100, 1000)]
    public void NextFails_OverAThousandRequests_FailsExactlyThePercentage(int percent, int expectedFailures)
    {
        var schedule = new FailureSchedule(percent);

        var failures = 0;
        for (var i = 0; i < 1000; i++)
        {
            failures += schedule.NextFails() ? 1 : 0;
        }

        Assert.Equal(expectedFailures, failures);
    }

    [Fact]
    public void NextFails_AtFiftyPercent_AlternatesSoARetrySucceeds()
    {
        var schedule = new FailureSchedule(50);

        var outcomes = Enumerable.Range(0, 6).Select(_ => schedule.NextFails()).ToArray();

        Assert.Equal([false, true, false, true, false, true], outcomes);
    }
}
