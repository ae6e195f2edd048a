namespace Mesh.Meshctl.Local;

/// <summary>Waits for a program to be ready, and when it is not, says which and what it printed.</summary>
internal static class Readiness
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task WaitForHttpOkAsync(Uri url, MeshProcess process, CancellationToken deadline, string what)
    {
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
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!deadline.IsCancellationRequested)
            {
                // One slow answer; ask again.
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out waiting for {what} ({url}). {process.Name} printed:{Environment.NewLine}{process.RecentOutput()}");
            }

            try
            {
                await Task.Delay(PollInterval, deadline);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out waiting for {what} ({url}). {process.Name} printed:{Environment.NewLine}{process.RecentOutput()}");
            }
        }
    }
}
