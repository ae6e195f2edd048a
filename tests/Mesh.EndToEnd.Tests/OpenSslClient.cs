using System.Diagnostics;

namespace Mesh.EndToEnd.Tests;

/// <summary>Runs <c>openssl s_client</c> against a port, sends one HTTP/1.1 request over it, and returns everything it printed.</summary>
internal static class OpenSslClient
{
    public static async Task<string> RequestAsync(int port, string? certificate, string? key, string? caFile)
    {
        List<string> args = ["s_client", "-connect", $"127.0.0.1:{port}", "-showcerts", "-ign_eof"];
        if (certificate is not null)
        {
            args.AddRange(["-cert", certificate, "-key", key!]);
        }

        if (caFile is not null)
        {
            args.AddRange(["-CAfile", caFile]);
        }

        var start = new ProcessStartInfo("openssl", args)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.StandardInput.WriteAsync("GET / HTTP/1.1\r\nHost: backend\r\nConnection: close\r\n\r\n");
            await process.StandardInput.FlushAsync();
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // openssl exits once the server closes the connection (an h2-only port closes on this HTTP/1.1 line), at
            // times before it has read the line: a broken pipe, after which its output still says what it saw.
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException("openssl s_client did not finish within 20 s");
        }

        return await stdout + await stderr;
    }
}
