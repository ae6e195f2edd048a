using Mesh.EndToEnd.Tests.Containers;
using Mesh.Kubernetes.TestServer;

namespace Mesh.EndToEnd.Tests.Cluster;

/// <summary>Where a <see cref="TestKubelet"/> runs its pods and where it draws its limits.</summary>
internal sealed record KubeletOptions
{
    public required TestApiServer ApiServer { get; init; }

    /// <summary>The network the pods join (each pod at an address of its own there).</summary>
    public required DockerNetwork Network { get; init; }

    /// <summary>The run's label (<c>mesh.e2e.run=ID</c>): on every container, so cleanup finds them.</summary>
    public required string RunLabel { get; init; }

    /// <summary>A prefix for container names, unique to the run.</summary>
    public required string NamePrefix { get; init; }

    /// <summary>Where the pods' volumes are written.</summary>
    public required string WorkDir { get; init; }

    /// <summary>The API server as the pods reach it (KUBERNETES_SERVICE_HOST and _PORT).</summary>
    public required Uri InClusterApiServer { get; init; }

    /// <summary>The image of the pods' sandbox containers (holding the network namespace; it needs <c>sleep</c>).</summary>
    public required string SandboxImage { get; init; }

    /// <summary>At most this many pods at once; a Deployment asking for more waits, logged.</summary>
    public int MaxPods { get; init; } = 8;

    /// <summary>How long a pod waits for a ConfigMap or Secret it mounts, or for its Pod object to be admitted.</summary>
    public TimeSpan PodStartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
