namespace Mesh.SampleApp;

/// <summary>Who this instance of the sample app is and what it calls, from its command line.</summary>
internal sealed record SampleAppOptions(
    string Service,
    string Version,
    string Namespace,
    int Port,
    IReadOnlyList<Uri> Upstreams,
    int FailPercent)
{
    /// <summary>The address every port listens on: loopback behind a sidecar, any (0.0.0.0) for a server outside the mesh.</summary>
    public System.Net.IPAddress Listen { get; init; } = System.Net.IPAddress.Loopback;

    /// <summary>A plain TCP port that sends every byte back (opaque TCP through the mesh); 0: none.</summary>
    public int TcpEchoPort { get; init; }

    /// <summary>The same answers over TLS, with a self-signed certificate for the service name made at start-up; 0: none.</summary>
    public int HttpsPort { get; init; }

    public const string Usage =
        "usage: Mesh.SampleApp --service NAME --version V --port PORT [--namespace NS] [--upstream URL]... [--fail-percent N]\n"
        + "                      [--listen ADDRESS (default 127.0.0.1)] [--tcp-echo-port PORT] [--https-port PORT]";

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> with a readable reason.</summary>
    public static SampleAppOptions Parse(IReadOnlyList<string> args)
    {
        string? service = null, version = null, ns = "default";
        int? port = null;
        var failPercent = 0;
        int tcpEchoPort = 0, httpsPort = 0;
        var listen = System.Net.IPAddress.Loopback;
        var upstreams = new List<Uri>();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            var value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            switch (name)
            {
                case "--service": service = value; break;
                case "--version": version = value; break;
                case "--namespace": ns = value; break;
                case "--port": port = ParseInt(name, value, 0, 65535); break;
                case "--fail-percent": failPercent = ParseInt(name, value, 0, 100); break;
                case "--tcp-echo-port": tcpEchoPort = ParseInt(name, value, 1, 65535); break;
                case "--https-port": httpsPort = ParseInt(name, value, 1, 65535); break;
                case "--listen":
                    listen = System.Net.IPAddress.TryParse(value, out var address)
                        ? address
                        : throw new ArgumentException($"--listen must be an IP address, not '{value}'");
                    break;
                case "--upstream":
                    upstreams.Add(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp
                        ? uri
                        : throw new ArgumentException($"--upstream must be an absolute http:// URL, not '{value}'"));
                    break;
                default: throw new ArgumentException($"unknown option '{name}'");
            }
        }

        return new SampleAppOptions(
            service ?? throw new ArgumentException("--service is required"),
            version ?? throw new ArgumentException("--version is required"),
            ns,
            port ?? throw new ArgumentException("--port is required"),
            upstreams,
            failPercent)
        {
            Listen = listen,
            TcpEchoPort = tcpEchoPort,
            HttpsPort = httpsPort,
        };
    }

    private static int ParseInt(string name, string value, int min, int max) =>
        int.TryParse(value, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} must be a number from {min} to {max}, not '{value}'");
}
