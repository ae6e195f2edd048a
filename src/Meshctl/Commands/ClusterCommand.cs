using System.CommandLine;
using k8s;
using k8s.Exceptions;
using Mesh.Meshctl.Cluster;

namespace Mesh.Meshctl.Commands;

/// <summary>What every cluster command shares: loading the kubeconfig, and reporting an unreachable API server in one line.</summary>
internal static class ClusterCommand
{
    public static async Task<int> RunAsync(string name, ClusterConnection connection, ParseResult result, TextWriter errors, Func<KubernetesClientConfiguration, Task<int>> run)
    {
        KubernetesClientConfiguration config;
        try
        {
            config = connection.Configure(result);
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException)
        {
            errors.WriteLine($"meshctl {name}: cannot load the kubeconfig {result.GetValue(connection.Kubeconfig)}: {e.Message}");
            return 1;
        }

        try
        {
            return await run(config);
        }
        catch (HttpRequestException e)
        {
            errors.WriteLine($"meshctl {name}: cannot reach the API server at {config.Host}: {e.Message}");
            return 1;
        }
    }
}
