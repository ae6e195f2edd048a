using Mesh.Contracts.Discovery;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Listeners;
using Microsoft.Extensions.Logging;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Discovery;

/// <summary>
/// Applies one discovery response and says how to answer it. Compile the snapshot with that type replaced; bind new
/// listeners; swap; then stop removed listeners and retire unused connection pools. Success is an ACK carrying the
/// response's version and nonce; any rejection is a NACK carrying the last applied version, code 3 and the reason,
/// and the old snapshot keeps serving.
/// </summary>
internal sealed class ConfigApplier(SnapshotCompiler compiler, ProxySnapshotStore store, ListenerManager listeners, ILogger<ConfigApplier> logger)
{
    private const int InvalidArgument = 3;

    public async Task<DiscoveryRequest> ApplyAsync(DiscoveryResponse response)
    {
        var current = store.Current;
        var type = TypeUrls.ShortName(response.TypeUrl);
        try
        {
            var candidate = compiler.Compile(current, response);
            if (response.TypeUrl == TypeUrls.Listener || response.TypeUrl == TypeUrls.Route)
            {
                // New routes can complete a listener that was waiting for them.
                await listeners.StartNewAsync(candidate, $"{type} v{response.VersionInfo}");
            }

            var previous = store.Swap(candidate);
            if (response.TypeUrl == TypeUrls.Listener)
            {
                await listeners.StopRemovedAsync(candidate);
            }

            foreach (var transport in ClusterCompiler.FindUnused(previous.Clusters, candidate.Clusters))
            {
                transport.Retire();
            }

            var count = candidate.GetApplied(response.TypeUrl).Resources.Count;
            if (response.Incremental)
            {
                DiscoveryLog.AppliedIncrement(logger, type, response.VersionInfo, count, response.BaseVersion, response.Resources.Count, response.RemovedResources.Count);
            }
            else
            {
                DiscoveryLog.Applied(logger, type, response.VersionInfo, count);
            }
            return new DiscoveryRequest { TypeUrl = response.TypeUrl, VersionInfo = response.VersionInfo, ResponseNonce = response.Nonce };
        }
        catch (ConfigRejectedException ex)
        {
            DiscoveryLog.Rejected(logger, type, response.VersionInfo, ex.Message);
            return new DiscoveryRequest
            {
                TypeUrl = response.TypeUrl,
                VersionInfo = current.GetApplied(response.TypeUrl).Version,
                ResponseNonce = response.Nonce,
                ErrorDetail = new ErrorDetail { Code = InvalidArgument, Message = ex.Message },
            };
        }
    }
}
