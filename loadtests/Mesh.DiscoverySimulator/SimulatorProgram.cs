using System.Globalization;

namespace Mesh.DiscoverySimulator;

/// <summary>
/// <c>Mesh.DiscoverySimulator [proxies] [services] [--export-to-namespace] [--sidecar-egress] [--captured] [--change virtualservice|destinationrule|endpoints|authorizationpolicy] [--changes N] [--deadline-seconds N]
/// [--control-plane-env NAME=VALUE]...</c>:
/// one run, progress lines, the final table; exit code 1 when something did not converge.
/// </summary>
internal static class SimulatorProgram
{
    public static async Task<int> Main(string[] args)
    {
        var positional = new List<int>();
        var options = new SimulationOptions();
        var controlPlaneEnvironment = new Dictionary<string, string>(StringComparer.Ordinal);
        const string Usage = "Usage: [proxies] [services] [--export-to-namespace] [--sidecar-egress] [--captured] [--change virtualservice|destinationrule|endpoints|authorizationpolicy] [--changes N] [--deadline-seconds N] [--control-plane-env NAME=VALUE]...";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--export-to-namespace": options = options with { ExportToOwnNamespace = true }; break;
                case "--sidecar-egress": options = options with { SidecarEgress = true }; break;
                case "--captured": options = options with { Captured = true }; break;
                case "--change" when i + 1 < args.Length:
                    if (!Enum.TryParse<ChangeKind>(args[++i], ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
                    {
                        Console.Error.WriteLine($"--change takes virtualservice, destinationrule, endpoints or authorizationpolicy, not '{args[i]}'. {Usage}");
                        return 2;
                    }
                    options = options with { Change = kind };
                    break;
                case "--changes" when i + 1 < args.Length:
                    options = options with { Changes = Math.Max(1, int.Parse(args[++i], CultureInfo.InvariantCulture)) };
                    break;
                case "--deadline-seconds" when i + 1 < args.Length:
                    options = options with { PhaseDeadline = TimeSpan.FromSeconds(int.Parse(args[++i], CultureInfo.InvariantCulture)) };
                    break;
                case "--control-plane-env" when i + 1 < args.Length:
                    var assignment = args[++i];
                    var equals = assignment.IndexOf('=');
                    if (equals < 1)
                    {
                        Console.Error.WriteLine($"--control-plane-env takes NAME=VALUE, not '{assignment}'. {Usage}");
                        return 2;
                    }
                    controlPlaneEnvironment[assignment[..equals]] = assignment[(equals + 1)..];
                    break;
                default:
                    if (!int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
                    {
                        Console.Error.WriteLine($"Unexpected argument '{args[i]}'. {Usage}");
                        return 2;
                    }
                    positional.Add(number);
                    break;
            }
        }
        if (positional.Count > 0) options = options with { Proxies = positional[0] };
        if (positional.Count > 1) options = options with { Services = positional[1] };
        options = options with { ControlPlaneEnvironment = controlPlaneEnvironment };

        var work = Directory.CreateTempSubdirectory("mesh-simulation-");
        try
        {
            var simulation = new Simulation(options, line => Console.WriteLine($"{DateTime.Now:HH:mm:ss} {line}"));
            var report = await simulation.RunAsync(work.FullName, CancellationToken.None);
            Console.WriteLine();
            Console.Write(report.Format());
            return report.Converged ? 0 : 1;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
