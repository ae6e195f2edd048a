using k8s;
using k8s.Models;

namespace Mesh.EndToEnd.Tests.Meshctl;

/// <summary>
/// Plays the deployment controller for the test API server (which has none): every Deployment whose status lags
/// its spec gets a status saying all its replicas are updated, ready and available, as a real rollout would end.
/// </summary>
internal sealed class ClusterTestController : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ClusterTestController(IKubernetes client) => _loop = RunAsync(client, _stop.Token);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private static async Task RunAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        while (true)
        {
            var deployments = await client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: cancellationToken);
            foreach (var deployment in deployments.Items)
            {
                if (deployment.Status?.ObservedGeneration == deployment.Metadata.Generation)
                {
                    continue;
                }

                var replicas = deployment.Spec.Replicas ?? 1;
                deployment.Status = new V1DeploymentStatus
                {
                    ObservedGeneration = deployment.Metadata.Generation,
                    Replicas = replicas,
                    UpdatedReplicas = replicas,
                    ReadyReplicas = replicas,
                    AvailableReplicas = replicas,
                    Conditions = [new V1DeploymentCondition { Type = "Available", Status = "True", Reason = "MinimumReplicasAvailable" }],
                };
                await client.AppsV1.ReplaceNamespacedDeploymentStatusAsync(deployment, deployment.Metadata.Name, deployment.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
            }

            // The controller's resync: the waits under test poll on their own, so this only bounds how late a status lands.
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }
}
