using System.Globalization;
using Mesh.Harness.Load;

namespace Mesh.Harness;

/// <summary>The harness's command line: what to measure, for how long, at what rate, and where to write the table.</summary>
internal sealed record HarnessOptions
{
    public const string Usage = """
        usage: harness [--short] [--rate N] [--connections N] [--warmup S] [--duration S] [--max-duration S]
                       [--protocol http1|http2] [--paths LIST] [--out DIR] [--proxy-executable PATH] [--config FILE]
          --rate          the fixed rate for the latency, CPU and RSS window, req/s (default 1000)
          --connections   connections of the closed loop and of the fixed-rate pool (default 16)
          --warmup        seconds at the fixed rate before the windows (default 40: tiered JIT warm-up)
          --duration      seconds of the fixed-rate window (default 20)
          --max-duration  seconds of the closed-loop window for max req/s (default 10)
          --protocol      http1 (default) or http2 (h2c with prior knowledge on every path)
          --paths         comma-separated, in order (default all): direct,nginx,haproxy,nginx-pair,inbound,sidecar,gateway
                          (nginx-pair: two nginx with mutual TLS between them, the reference for the sidecar pair)
          --out           the folder for table.md, table.csv and latency.png (default loadtests/results/harness-<time>)
          --proxy-executable PATH
                          a native proxy (published with PublishAot, as the image ships it) in place of the JIT'd build
          --config FILE   Istio YAML added to the mesh's config (e.g. a DestinationRule for backend, to measure what a
                          policy costs); every path must still reach backend v1 alone
          --short         a second or so per path at 200 req/s, 4 connections: checks that everything runs
        """;

    public static readonly string[] AllPaths = ["direct", "nginx", "haproxy", "nginx-pair", "inbound", "sidecar", "gateway"];

    public double Rate { get; init; } = 1000;

    public int Connections { get; init; } = 16;

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(40);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromSeconds(10);

    public LoadProtocol Protocol { get; init; } = LoadProtocol.Http1;

    public IReadOnlyList<string> Paths { get; init; } = AllPaths;

    public string? OutputDir { get; init; }

    /// <summary>A native proxy executable for every sidecar and the gateway; null: the JIT'd build.</summary>
    public string? ProxyExecutable { get; init; }

    /// <summary>An Istio YAML file added to the local mesh's config; null: the benchmark config alone.</summary>
    public string? ConfigFile { get; init; }

    public static HarnessOptions Short => new()
    {
        Rate = 200,
        Connections = 4,
        Warmup = TimeSpan.FromSeconds(0.5),
        Duration = TimeSpan.FromSeconds(1),
        MaxDuration = TimeSpan.FromSeconds(1),
    };

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> saying what is wrong.</summary>
    public static HarnessOptions Parse(IReadOnlyList<string> args)
    {
        var options = args.Contains("--short") ? Short : new HarnessOptions();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--short")
            {
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{args[i]} needs a value");
            }

            var value = args[++i];
            options = args[i - 1] switch
            {
                "--rate" => options with { Rate = Number(value, "--rate") },
                "--connections" => options with { Connections = (int)Number(value, "--connections") },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Number(value, "--warmup")) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Number(value, "--duration")) },
                "--max-duration" => options with { MaxDuration = TimeSpan.FromSeconds(Number(value, "--max-duration")) },
                "--protocol" => options with { Protocol = value switch
                {
                    "http1" => LoadProtocol.Http1,
                    "http2" => LoadProtocol.Http2,
                    _ => throw new ArgumentException($"--protocol is http1 or http2, not {value}"),
                } },
                "--paths" => options with { Paths = PathList(value) },
                "--out" => options with { OutputDir = value },
                "--proxy-executable" => options with { ProxyExecutable = File.Exists(value) ? Path.GetFullPath(value) : throw new ArgumentException($"--proxy-executable: no file '{value}'") },
                "--config" => options with { ConfigFile = File.Exists(value) ? Path.GetFullPath(value) : throw new ArgumentException($"--config: no file '{value}'") },
                var unknown => throw new ArgumentException($"unknown option {unknown}"),
            };
        }

        options.FixedRate.Validate();
        options.ClosedLoop.Validate();
        if (options.Warmup < TimeSpan.Zero || options.Warmup > LoadOptions.MaxDuration)
        {
            throw new ArgumentException($"--warmup must be 0 to {LoadOptions.MaxDuration.TotalSeconds:0} s");
        }

        if (options.Rate <= 0)
        {
            throw new ArgumentException("--rate must be above 0");
        }

        return options;
    }

    public string ProtocolName => Protocol == LoadProtocol.Http2 ? "HTTP/2 (h2c)" : "HTTP/1.1";

    /// <summary>The fixed-rate window: latency, CPU and RSS.</summary>
    public LoadOptions FixedRate => new() { Connections = Connections, Rate = Rate, Duration = Duration };

    /// <summary>The warm-up before it, at the same rate.</summary>
    public LoadOptions WarmupRun => FixedRate with { Duration = Warmup };

    /// <summary>The closed-loop window: max req/s.</summary>
    public LoadOptions ClosedLoop => new() { Connections = Connections, Rate = 0, Duration = MaxDuration };

    private static double Number(string value, string option) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? number
            : throw new ArgumentException($"{option} needs a number, not {value}");

    private static string[] PathList(string value)
    {
        var paths = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var path in paths)
        {
            if (!AllPaths.Contains(path))
            {
                throw new ArgumentException($"unknown path {path}; the paths are {string.Join(",", AllPaths)}");
            }
        }

        return paths.Length > 0 ? paths : throw new ArgumentException("--paths names no path");
    }
}
