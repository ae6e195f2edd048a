namespace Mesh.SampleApp;

/// <summary>
/// Decides which requests fail, spreading exactly N% of them evenly (request n fails when ⌊n·N/100⌋ grows).
/// Deterministic rather than random so that demos and tests are reproducible: at 50% every second request fails.
/// </summary>
internal sealed class FailureSchedule(int failPercent)
{
    private long _requests;

    public bool NextFails()
    {
        if (failPercent == 0)
        {
            return false;
        }

        var n = Interlocked.Increment(ref _requests);
        return n * failPercent / 100 > (n - 1) * failPercent / 100;
    }
}
