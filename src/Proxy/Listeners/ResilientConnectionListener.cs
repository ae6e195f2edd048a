using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// The accept loop of one listener socket, in place of Kestrel's. Kestrel's socket listener retries every failed
/// accept at once and silently: out of descriptors (EMFILE, ENFILE), that is a busy loop at full CPU for as long as
/// the shortage lasts, and any other exception ends Kestrel's accept loop for good. This one backs off (10 ms
/// doubling to 1 s), logs once per episode, keeps <see cref="ListenerAcceptState"/> for readiness, lets the
/// <see cref="DescriptorReserve"/> go when out of descriptors and, after a failure, accepts again only once the
/// reserve is back (the admin server's listener excepted: it answers /ready with what the reserve freed). It stops
/// only when unbound. Connections are Kestrel's own (<see cref="SocketConnectionContextFactory"/>).
/// </summary>
internal sealed class ResilientConnectionListener(
    Socket socket, SocketConnectionContextFactory connections, ListenerAcceptState state, DescriptorReserve reserve, bool needsReserve,
    TimeProvider time, ILogger logger)
    : IConnectionListener
{
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Accepts without a failure for this long (two back-off periods) end an episode even while connections keep queueing.</summary>
    public static readonly TimeSpan SettleTime = 2 * MaxRetryDelay;

    private readonly CancellationTokenSource _unbound = new();

    public EndPoint EndPoint { get; } = socket.LocalEndPoint!;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        if (!state.Warmed.IsCompleted && !await WarmedAsync(cancellationToken))
        {
            return null;
        }

        var delay = FirstRetryDelay;
        var retriedOnReserve = false;
        while (true)
        {
            if (needsReserve && state.Failure is not null && !reserve.TryRearm())
            {
                if (!await BackOffAsync($"out of file descriptors: fewer than {2 * reserve.Size} free", delay))
                {
                    return null;
                }

                delay = Next(delay);
                continue;
            }

            Exception failure;
            try
            {
                var pending = socket.AcceptAsync(cancellationToken);
                if (!pending.IsCompleted)
                {
                    // Waiting means the kernel had a descriptor for us and nothing queued: nothing is failing.
                    OnAccepting(caughtUp: true);
                }

                var accepted = await pending;
                OnAccepting(caughtUp: false);
                try
                {
                    // As Kestrel's own accept loop does (SocketTransportOptions.NoDelay): without it, Nagle's algorithm
                    // meets the peer's delayed ACK and small responses wait up to 40 ms (p99 went from 33 to 54 ms).
                    accepted.NoDelay = true;
                    return connections.Create(accepted);
                }
                catch
                {
                    accepted.Dispose();
                    throw;
                }
            }
            catch (Exception ex) when (IsUnbound(ex) || cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            catch (SocketException ex) when (FailedWhileQueued(ex.SocketErrorCode))
            {
                // That one connection was reset before we took it; the next one is unaffected.
                continue;
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            if (failure is SocketException { SocketErrorCode: SocketError.TooManyOpenSockets } && reserve.IsHeld)
            {
                reserve.Release();
                if (!needsReserve && !retriedOnReserve)
                {
                    // The admin server: what the reserve freed is what answers the probe waiting in the queue.
                    retriedOnReserve = true;
                    continue;
                }
            }

            if (!await BackOffAsync(Describe(failure), delay))
            {
                return null;
            }

            delay = Next(delay);
        }
    }

    // False when the listener was unbound (or the server stopped) while it waited for its routes.
    private async Task<bool> WarmedAsync(CancellationToken cancellationToken)
    {
        using var stopped = CancellationTokenSource.CreateLinkedTokenSource(_unbound.Token, cancellationToken);
        try
        {
            await state.Warmed.WaitAsync(stopped.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound.Cancel();
        socket.Dispose();
        return default;
    }

    public ValueTask DisposeAsync()
    {
        _unbound.Cancel();
        socket.Dispose();
        connections.Dispose();
        _unbound.Dispose();
        return default;
    }

    private bool IsUnbound(Exception ex) =>
        _unbound.IsCancellationRequested || ex is ObjectDisposedException || ex is SocketException { SocketErrorCode: SocketError.OperationAborted };

    // accept(2) reports some errors of the queued connection itself; it says to take the next one at once.
    private static bool FailedWhileQueued(SocketError error) => error is SocketError.ConnectionAborted or SocketError.ConnectionReset
        or SocketError.NetworkDown or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.HostUnreachable or SocketError.TimedOut;

    /// <summary>
    /// Ends a failure episode once the listener has caught up with its queue, or has accepted for <see cref="SettleTime"/>
    /// without a failure: while descriptors free up one by one, accepts succeed and fail by turns, and that is one
    /// episode (one line in the log), not many.
    /// </summary>
    private void OnAccepting(bool caughtUp)
    {
        if (state.Failure is null || !caughtUp && time.GetElapsedTime(state.LastFailure) < SettleTime)
        {
            return;
        }

        if (state.OnAccepting(out var since, out var failures))
        {
            ListenerLog.AcceptingAgain(logger, state.Name, state.EndPoint, time.GetElapsedTime(since).TotalSeconds, failures);
        }
    }

    private static TimeSpan Next(TimeSpan delay) => delay * 2 < MaxRetryDelay ? delay * 2 : MaxRetryDelay;

    private static string Describe(Exception ex) => ex switch
    {
        // .NET words EMFILE as ENFILE's "in system"; either way the process has none left.
        SocketException { SocketErrorCode: SocketError.TooManyOpenSockets } => "out of file descriptors",
        SocketException socketError => $"{socketError.SocketErrorCode}: {socketError.Message}",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };

    /// <summary>Records the failure, logs it if it starts an episode, and waits; false when the listener was unbound meanwhile.</summary>
    private async Task<bool> BackOffAsync(string reason, TimeSpan delay)
    {
        if (state.OnFailed(reason, time.GetTimestamp()))
        {
            ListenerLog.AcceptFailing(logger, state.Name, state.EndPoint, reason);
        }

        try
        {
            await Task.Delay(delay, time, _unbound.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
