using System.Globalization;
using Mesh.Harness.Load;

namespace Mesh.Harness;

/// <summary>
/// <c>harness load URL</c>: the generator alone against one URL, as <c>fortio load</c> is: any protocol (gRPC
/// included), a fixed rate or a closed loop, one line of results. For a path the table does not cover, or to check
/// the generator itself against a server.
/// </summary>
internal static class SingleLoad
{
    public const string Usage = """
        usage: harness load [--rate N] [--connections N] [--duration S] [--protocol http1|http2|grpc] [--host H] URL
          --rate         req/s on a fixed schedule, latency from each request's intended start; 0: closed loop (default 0)
          --connections  the pool of connections (HTTP/1.1) or concurrent streams (HTTP/2, gRPC) (default 16)
          --duration     seconds (default 10)
          --protocol     http1 (default), http2 (h2c on http://, ALPN on https://), grpc (grpc.health.v1.Health/Check)
          --host         the Host / :authority to send, when not the URL's
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var (target, options) = Parse(args);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target.Protocol} {target.Url}: {(options.Rate > 0 ? $"{options.Rate:0} req/s" : "closed loop")}, {options.Connections} connections, {options.Duration.TotalSeconds:0.#} s..."));
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var result = await LoadGenerator.RunAsync(target, options, cancellationToken);
        // What the generator itself allocated per request: a check that it is not the bottleneck it measures.
        var allocatedPerRequest = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)Math.Max(1, result.Requests + result.Errors);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.AchievedRate:0} req/s achieved; p50 {result.PercentileMs(50):0.000} ms, p90 {result.PercentileMs(90):0.000} ms, p99 {result.PercentileMs(99):0.000} ms, p99.9 {result.PercentileMs(99.9):0.000} ms, max {result.PercentileMs(100):0.000} ms; {result.Requests} answered, {result.Errors} errors; the generator allocated {allocatedPerRequest:0} bytes per request"));
        return result.Errors > 0 ? 1 : 0;
    }

    private static (LoadTarget Target, LoadOptions Options) Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions { Rate = 0 };
        var protocol = LoadProtocol.Http1;
        string? host = null;
        Uri? url = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                url = Uri.TryCreate(args[i], UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"
                    ? parsed
                    : throw new ArgumentException($"not an http:// or https:// URL: {args[i]}");
                continue;
            }

            var value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i - 1])
            {
                case "--rate": options = options with { Rate = Number(value, "--rate") }; break;
                case "--connections": options = options with { Connections = (int)Number(value, "--connections") }; break;
                case "--duration": options = options with { Duration = TimeSpan.FromSeconds(Number(value, "--duration")) }; break;
                case "--host": host = value; break;
                case "--protocol":
                    protocol = value switch
                    {
                        "http1" => LoadProtocol.Http1,
                        "http2" => LoadProtocol.Http2,
                        "grpc" => LoadProtocol.Grpc,
                        _ => throw new ArgumentException($"--protocol is http1, http2 or grpc, not {value}"),
                    };
                    break;
                default: throw new ArgumentException($"unknown option {args[i - 1]}");
            }
        }

        options.Validate();
        return (new LoadTarget(url ?? throw new ArgumentException("no URL given"), protocol, host), options);
    }

    private static double Number(string value, string option) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? number
            : throw new ArgumentException($"{option} needs a number, not {value}");
}
