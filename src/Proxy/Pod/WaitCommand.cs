using System.Diagnostics;
using System.Globalization;

namespace Mesh.Proxy.Pod;

/// <summary>
/// `Mesh.Proxy wait`: polls the readiness port's /healthz/ready until it answers 200 (exit 0) or the time is up (exit 1).
/// The postStart hook of a proxy that runs as a regular container: the kubelet starts the application only once it returns.
/// </summary>
internal static class WaitCommand
{
    public const string Usage = """
        wait until the proxy is ready (a postStart hook):
          Mesh.Proxy wait --readiness-port 15021 [--timeout-seconds 60] [--period-millis 200]
        """;

    /// <summary>One poll's limit, so a proxy that accepts and never answers cannot hold the loop past its deadline by much.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Returns the exit code: 0 ready, 1 not ready in time, 2 a bad command line.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        if (!TryParse(args, out var port, out var timeout, out var period, out var error))
        {
            await errors.WriteLineAsync($"Mesh.Proxy wait: {error}");
            await errors.WriteLineAsync(Usage);
            return 2;
        }

        var url = new Uri($"http://127.0.0.1:{port}{StatusApplication.ReadyPath}");
        await output.WriteLineAsync($"waiting for the proxy to be ready at {url} (timeout {timeout.TotalSeconds:0} s)");
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
        var started = Stopwatch.StartNew();
        var last = "no answer yet";
        var attempts = 0;
        while (true)
        {
            var left = timeout - started.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                await errors.WriteLineAsync($"Mesh.Proxy wait: the proxy was not ready within {timeout.TotalSeconds:0} s at {url}: {last}");
                return 1;
            }

            attempts++;
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(left < RequestTimeout ? left : RequestTimeout);
            try
            {
                using var response = await client.GetAsync(url, attempt.Token);
                if (response.IsSuccessStatusCode)
                {
                    await output.WriteLineAsync($"the proxy is ready ({started.Elapsed.TotalSeconds:0.0} s)");
                    return 0;
                }

                last = $"{(int)response.StatusCode} {(await response.Content.ReadAsStringAsync(attempt.Token)).Trim()}";
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // An attempt the deadline cut short says nothing new: the answer before it is the one to report.
                var cutByDeadline = ex is OperationCanceledException && left < RequestTimeout && attempts > 1;
                last = cutByDeadline ? last : ex is OperationCanceledException ? "no answer in time" : ex.GetBaseException().Message;
            }

            var wait = timeout - started.Elapsed;
            await Task.Delay(wait < period ? (wait > TimeSpan.Zero ? wait : TimeSpan.Zero) : period, cancellationToken);
        }
    }

    private static bool TryParse(string[] args, out int port, out TimeSpan timeout, out TimeSpan period, out string error)
    {
        port = 0;
        timeout = TimeSpan.FromSeconds(60);
        period = TimeSpan.FromMilliseconds(200);
        error = string.Empty;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i += 2)
        {
            var flag = args[i];
            if (flag is not ("--readiness-port" or "--timeout-seconds" or "--period-millis"))
            {
                error = $"unknown option '{flag}'";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                error = $"option '{flag}' needs a value";
                return false;
            }

            if (!seen.Add(flag))
            {
                error = $"option '{flag}' given twice";
                return false;
            }

            var value = args[i + 1];
            if (KubernetesVariables.FindUnexpanded(value) is { } variable)
            {
                error = $"{flag} '{value}': not expanded: is {variable} set in the container's env?";
                return false;
            }

            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                || (flag == "--readiness-port" ? number is < 1 or > 65535 : number < 1))
            {
                error = flag == "--readiness-port" ? $"{flag} '{value}': expected a port number (1-65535)" : $"{flag} '{value}': expected a positive whole number";
                return false;
            }

            switch (flag)
            {
                case "--readiness-port": port = number; break;
                case "--timeout-seconds": timeout = TimeSpan.FromSeconds(number); break;
                default: period = TimeSpan.FromMilliseconds(number); break;
            }
        }

        if (port == 0)
        {
            error = "missing required option '--readiness-port'";
            return false;
        }

        return true;
    }
}
