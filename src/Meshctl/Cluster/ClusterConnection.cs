using System.CommandLine;
using k8s;

namespace Mesh.Meshctl.Cluster;

/// <summary>The `--kubeconfig` and `--context` options every cluster command takes, and the client they make (KubernetesClient's kubeconfig loading).</summary>
internal sealed class ClusterConnection
{
    public Option<string> Kubeconfig { get; } = new("--kubeconfig")
    {
        Description = "The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)",
        DefaultValueFactory = _ => DefaultKubeconfig(),
    };

    public Option<string?> Context { get; } = new("--context") { Description = "The kubeconfig context (default: its current context)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Kubeconfig);
        command.Options.Add(Context);
    }

    /// <summary>The client configuration; throws <see cref="k8s.Exceptions.KubeConfigException"/> or an I/O exception with the reason.</summary>
    public KubernetesClientConfiguration Configure(ParseResult result) =>
        KubernetesClientConfiguration.BuildConfigFromConfigFile(result.GetValue(Kubeconfig)!, result.GetValue(Context));

    private static string DefaultKubeconfig()
    {
        // $KUBECONFIG may list several files; the first is the one kubectl writes to and reads the current context from.
        var variable = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(variable))
        {
            return variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0];
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
    }
}
