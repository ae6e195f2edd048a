namespace Mesh.Proxy.Listeners;

/// <summary>
/// Whether one listener socket is accepting connections, and if not, why and since when: what /ready reports.
/// Written only by the listener's accept loop; read by anyone.
/// </summary>
internal sealed class ListenerAcceptState(string name, string endPoint)
{
    private TaskCompletionSource? _warming;
    private string? _failure;
    private long _failingSince;
    private long _lastFailure;
    private int _failures;

    public string Name => name;

    /// <summary>
    /// Completes once the listener may accept: at once, unless <see cref="StartWarming"/> made it wait for its routes
    /// (Envoy's listener warming). Meanwhile the socket is bound and connections wait in its backlog.
    /// </summary>
    public Task Warmed => _warming?.Task ?? Task.CompletedTask;

    /// <summary>Holds accepting until <see cref="EndWarming"/>; called before the listener starts.</summary>
    public void StartWarming() => _warming = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void EndWarming() => _warming?.TrySetResult();

    public string EndPoint => endPoint;

    /// <summary>Why the last accept failed, while the episode lasts; null while the listener accepts.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>When the last accept of the episode failed (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastFailure => _lastFailure;

    /// <summary>Records a failed accept; true when it starts an episode (the listener was accepting until now).</summary>
    public bool OnFailed(string reason, long timestamp)
    {
        _failures++;
        _lastFailure = timestamp;
        if (_failure is not null)
        {
            return false;
        }

        _failingSince = timestamp;
        Volatile.Write(ref _failure, reason);
        return true;
    }

    /// <summary>Ends the episode, if there is one: true then, with when it began and how many accepts failed in it.</summary>
    public bool OnAccepting(out long failingSince, out int failures)
    {
        failingSince = _failingSince;
        failures = _failures;
        if (_failure is null)
        {
            return false;
        }

        _failures = 0;
        Volatile.Write(ref _failure, null);
        return true;
    }
}
