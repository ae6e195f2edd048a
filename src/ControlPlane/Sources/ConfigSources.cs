using Mesh.ControlPlane.Kubernetes;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Sources;

/// <summary>The control plane's config source as its options ask: the folder, the cluster, or both served as one.</summary>
internal static class ConfigSources
{
    /// <param name="meshSettings">The mesh config (its Ingress fields decide which Ingresses the cluster source serves).</param>
    public static IConfigSource Create(ControlPlaneOptions options, TimeProvider time, ILoggerFactory loggers, InformerCatalog informers,
        MeshSettingsSource? meshSettings = null)
    {
        var sources = new List<IConfigSource>(2);
        if (options.ConfigDirectory is { } directory)
        {
            sources.Add(new FolderConfigSource(directory, loggers.CreateLogger<FolderConfigSource>(), time, options.FileSettle, options.ConfigLimits));
        }
        if (options.Kubernetes is { } kubernetes)
        {
            sources.Add(new KubernetesConfigSource(KubernetesConnection.Create(kubernetes), kubernetes, time, loggers, informers,
                kubernetes.EventSettle, kubernetes.SyncTimeout, options.ConfigLimits, meshSettings));
        }
        return sources.Count switch
        {
            0 => throw new ArgumentException("No config source: give a config folder, a cluster, or both."),
            1 => sources[0],
            _ => new CompositeConfigSource([.. sources]),
        };
    }

    /// <summary>Where config comes from, for the ready line: "config/ and the cluster at https://…".</summary>
    public static string Describe(ControlPlaneOptions options) => (options.ConfigDirectory, options.Kubernetes) switch
    {
        ({ } directory, { } kubernetes) => $"{directory} and {Cluster(kubernetes)}",
        ({ } directory, null) => directory,
        (null, { } kubernetes) => Cluster(kubernetes),
        _ => "nothing",
    };

    private static string Cluster(KubernetesOptions kubernetes) =>
        kubernetes.KubeconfigPath is { } path ? $"the cluster of kubeconfig {path}" + (kubernetes.Context is { } context ? $" (context {context})" : "") : "the cluster (in-cluster)";
}
