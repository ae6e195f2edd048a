namespace Mesh.Meshctl.Local;

/// <summary>Waits for a program to be ready, and when it is not, says which, what it last answered, and what it printed.</summary>
internal static class Readiness
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <remarks>
    /// The exception's first line names the program and why (the last answer the URL gave: a status and the first line
    /// of its body, a refused connection, or no answer in time); what the program printed follows on the next lines.
    /// </remarks>
    public static async Task WaitForHttpOkAsync(Uri url, MeshProcess process, CancellationToken deadline, string what)
    {
        var lastAnswer = "nothing yet";
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited while waiting for {what}. It printed:{Environment.NewLine}{process.RecentOutput()}");
            }

            try
            {
                using var response = await Client.GetAsync(url, deadline);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                var body = await response.Content.ReadAsStringAsync(deadline);
                lastAnswer = $"{(int)response.StatusCode} {FirstLine(body)}";
            }
            catch (HttpRequestException ex)
            {
                // Not listening yet.
                lastAnswer = $"no connection ({ex.HttpRequestError})";
            }
            catch (TaskCanceledException) when (!deadline.IsCancellationRequested)
            {
                // One slow answer; ask again.
                lastAnswer = "no answer within 5 s";
            }
            catch (OperationCanceledException)
            {
                throw TimedOut(url, process, what, lastAnswer);
            }

            try
            {
                await Task.Delay(PollInterval, deadline);
            }
            catch (OperationCanceledException)
            {
                throw TimedOut(url, process, what, lastAnswer);
            }
        }
    }

    private static TimeoutException TimedOut(Uri url, MeshProcess process, string what, string lastAnswer) => new(
        $"timed out waiting for {what}: {url} last answered {lastAnswer}. {process.Name} printed:{Environment.NewLine}{process.RecentOutput()}");

    private static string FirstLine(string text)
    {
        var line = text.AsSpan().Trim();
        var end = line.IndexOfAny('\r', '\n');
        return (end < 0 ? line : line[..end]).ToString();
    }
}
