using System.CommandLine;
using Mesh.Istio;

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
        var command = new Command("validate", "Check Istio configuration files: every error with its file, line, resource, field path and reason")
        {
            paths,
            maxFileBytes,
            maxFileNodes,
        };
        command.SetAction(result => Run(result.GetValue(paths)!, Console.Out, new ConfigInputLimits
        {
            MaxFileBytes = Math.Max(1, result.GetValue(maxFileBytes)),
            MaxNodes = Math.Max(1, result.GetValue(maxFileNodes)),
        }));
        return command;
    }

    internal static int Run(IReadOnlyList<string> paths, TextWriter output, ConfigInputLimits? limits = null)
    {
        var resources = 0;
        var errors = 0;
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

            resources += result.Resources.Count;
            errors += result.Errors.Count;
        }

        output.WriteLine(errors == 0
            ? $"{resources} resources valid"
            : $"{errors} errors; {resources} resources valid");
        return errors == 0 ? 0 : 1;
    }
}
