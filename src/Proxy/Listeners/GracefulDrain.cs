using Mesh.Proxy.Overload;
using Microsoft.Extensions.Hosting;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// Istio's graceful termination: on SIGTERM, before anything else of the proxy stops, readiness turns 503 and every
/// listener drains (<see cref="ListenerManager.DrainAsync"/>) within the termination drain duration. The admin server
/// and the discovery stream stop only after, so /ready says why the proxy takes no traffic until the end.
/// </summary>
internal sealed class GracefulDrain(ListenerManager listeners, OverloadManager overload, ProxyOptions options) : IHostedLifecycleService
{
    private int _draining;

    /// <summary>True from SIGTERM on: the proxy no longer accepts connections and is on its way out.</summary>
    public bool IsDraining => Volatile.Read(ref _draining) == 1;

    /// <summary>The host's shutdown budget: the drain, and time for the rest to stop after it.</summary>
    public static TimeSpan ShutdownTimeout(ProxyOptions options) => options.Listeners.TerminationDrainDuration + TimeSpan.FromSeconds(15);

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _draining, 1);
        return listeners.DrainAsync(options.Listeners.TerminationDrainDuration, () => overload.ActiveRequests);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
