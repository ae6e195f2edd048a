using System.CommandLine;
using Mesh.Istio;
using Mesh.Istio.Analysis;

namespace Mesh.Meshctl.Commands;

/// <summary>`meshctl validate`: checks Istio YAML files or folders offline, as the control plane would load them.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Files or folders of Istio YAML/JSON",
            Arity = ArgumentArity.OneOrMore,
        };
        // The control plane's flags of the same names: a file it would refuse is refused here too.
        var maxFileBytes = new Option<long>("--max-config-file-bytes")
        {
            Description = "The largest config file read, in bytes",
            DefaultValueFactory = _ => ConfigInputLimits.DefaultMaxFileBytes,
        };
        var maxFileNodes = new Option<int>("--max-config-file-nodes")
        {
            Description = "The most YAML nodes one config file may hold, an alias counted as the nodes it repeats",
            DefaultValueFactory = _ => ConfigInputLimits.DefaultMaxNodes,
        };
        var strict = new Option<bool>("--strict")
        {
            Description = "Exit 1 on any warning too: a field without effect in this mesh, an unknown field, an unreachable rule",
        };
        var command = new Command("validate",
            "Check Istio configuration files: every error with its file, line, resource, field path and reason; then analyze them together "
            + "as istioctl analyze does (references, conflicts, fields without effect in this mesh)")
        {
            paths,
            maxFileBytes,
            maxFileNodes,
            strict,
        };
        command.SetAction(result => Run(result.GetValue(paths)!, Console.Out, new ConfigInputLimits
        {
            MaxFileBytes = Math.Max(1, result.GetValue(maxFileBytes)),
            MaxNodes = Math.Max(1, result.GetValue(maxFileNodes)),
        }, result.GetValue(strict)));
        return command;
    }

    /// <summary>Exit 1 on any error (a rejected document, or an analysis error); with <paramref name="strict"/>, on any warning too.</summary>
    internal static int Run(IReadOnlyList<string> paths, TextWriter output, ConfigInputLimits? limits = null, bool strict = false)
    {
        var resources = new List<IstioResource>();
        var errors = 0;
        var warnings = 0;
        foreach (var path in paths)
        {
            ConfigLoadResult result;
            if (Directory.Exists(path))
            {
                result = IstioConfigLoader.LoadDirectory(path, limits);
            }
            else if (File.Exists(path))
            {
                result = IstioConfigLoader.LoadFile(path, limits);
            }
            else
            {
                output.WriteLine($"error: {path}: no such file or folder");
                errors++;
                continue;
            }

            foreach (var error in result.Errors)
            {
                output.WriteLine($"error: {error}");
            }

            foreach (var warning in result.Warnings)
            {
                output.WriteLine($"warning: {warning}");
            }

            resources.AddRange(result.Resources);
            errors += result.Errors.Count;
            warnings += result.Warnings.Count;
        }

        // The files given are analyzed together: a VirtualService in one may route to a ServiceEntry in another.
        var messages = MeshAnalyzer.Analyze(resources);
        foreach (var message in messages)
        {
            output.WriteLine(message);
            if (message.Type.Level == AnalysisLevel.Error) errors++;
            else if (message.Type.Level == AnalysisLevel.Warning) warnings++;
        }

        output.WriteLine((errors, warnings) switch
        {
            (0, 0) => $"{resources.Count} resources valid",
            (0, _) => $"{warnings} warnings; {resources.Count} resources valid",
            _ => $"{errors} errors, {warnings} warnings; {resources.Count} resources valid",
        });
        return errors > 0 || (strict && warnings > 0) ? 1 : 0;
    }
}
