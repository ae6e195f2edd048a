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
    public const string Usage =
        "usage: Mesh.SampleApp --service NAME --version V --port PORT [--namespace NS] [--upstream URL]... [--fail-percent N]";

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> with a readable reason.</summary>
    public static SampleAppOptions Parse(IReadOnlyList<string> args)
    {
        string? service = null, version = null, ns = "default";
        int? port = null;
        var failPercent = 0;
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
            failPercent);
    }

    private static int ParseInt(string name, string value, int min, int max) =>
        int.TryParse(value, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} must be a number from {min} to {max}, not '{value}'");
}
