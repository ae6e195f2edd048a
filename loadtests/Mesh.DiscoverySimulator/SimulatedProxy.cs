using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Discovery;

namespace Mesh.DiscoverySimulator;

/// <summary>
/// One simulated proxy: its own connection (the proxy's control-plane channel, TLS verified against the CA root), one
/// discovery stream subscribed to every type as the proxy's discovery client does, and an ACK for every response with
/// its version and nonce. It applies nothing; it counts what it receives.
/// </summary>
internal sealed class SimulatedProxy : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Node _node;
    private readonly string _token;
    private readonly long[] _responses = new long[TypeUrls.PushOrder.Count];
    private readonly long[] _bytes = new long[TypeUrls.PushOrder.Count];
    private readonly long[] _resources = new long[TypeUrls.PushOrder.Count];
    private AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse>? _call;
    private Task? _reading;
    private int _typesAcked;
    private long _lastAckAt;

    public SimulatedProxy(int index, Node node, string token, GrpcChannel channel)
    {
        Index = index;
        _node = node;
        _token = token;
        _channel = channel;
    }

    public int Index { get; }

    public string Namespace => _node.Namespace;

    /// <summary>When the stream was opened (a <see cref="Stopwatch"/> timestamp).</summary>
    public long OpenedAt { get; private set; }

    /// <summary>When every type was first ACKed (a <see cref="Stopwatch"/> timestamp); 0 until then.</summary>
    public long ConfiguredAt { get; private set; }

    public bool IsConfigured => Volatile.Read(ref _typesAcked) == TypeUrls.PushOrder.Count;

    /// <summary>When the last ACK went out (a <see cref="Stopwatch"/> timestamp).</summary>
    public long LastAckAt => Volatile.Read(ref _lastAckAt);

    /// <summary>Why the stream ended early, if it did.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>What this proxy has received so far, per type in push order.</summary>
    public PushTally Tally()
    {
        var tally = new PushTally();
        for (var i = 0; i < _responses.Length; i++) tally.Add(i, Interlocked.Read(ref _responses[i]), Interlocked.Read(ref _bytes[i]), Interlocked.Read(ref _resources[i]));
        return tally;
    }

    /// <summary>Opens the stream and subscribes; the responses are read and ACKed in the background. A refused or failed open is recorded in <see cref="Failure"/>.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        OpenedAt = Stopwatch.GetTimestamp();
        var headers = new Metadata { { "authorization", "Bearer " + _token } };
        _call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(_channel).StreamResources(headers, cancellationToken: cancellationToken);
        try
        {
            for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
            {
                var subscribe = new DiscoveryRequest { TypeUrl = TypeUrls.PushOrder[i] };
                if (i == 0) subscribe.Node = _node;
                await _call.RequestStream.WriteAsync(subscribe, cancellationToken);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Under load the control plane may drop a TLS handshake (Kestrel's handshake timeout): the run reports it.
            Failure = ex;
            return;
        }
        _reading = ReadAsync(_call, cancellationToken);
    }

    /// <summary>Configured, or its stream failed: nothing more will arrive for its first config.</summary>
    public bool IsSettled => IsConfigured || Failure is not null;

    private async Task ReadAsync(AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> call, CancellationToken cancellationToken)
    {
        var acked = new bool[TypeUrls.PushOrder.Count];
        try
        {
            await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                var type = IndexOf(response.TypeUrl);
                Interlocked.Increment(ref _responses[type]);
                Interlocked.Add(ref _bytes[type], response.CalculateSize());
                Interlocked.Add(ref _resources[type], response.Resources.Count);
                await call.RequestStream.WriteAsync(
                    new DiscoveryRequest { TypeUrl = response.TypeUrl, VersionInfo = response.VersionInfo, ResponseNonce = response.Nonce }, cancellationToken);
                var now = Stopwatch.GetTimestamp();
                Volatile.Write(ref _lastAckAt, now);
                if (!acked[type])
                {
                    acked[type] = true;
                    if (Interlocked.Increment(ref _typesAcked) == acked.Length) ConfiguredAt = now;
                }
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Failure = ex;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over: the stream is cancelled on purpose.
        }
    }

    private static int IndexOf(string typeUrl)
    {
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
        {
            if (TypeUrls.PushOrder[i] == typeUrl) return i;
        }
        throw new InvalidDataException($"The control plane sent an unknown type '{typeUrl}'.");
    }

    public async ValueTask DisposeAsync()
    {
        _call?.Dispose();
        if (_reading is not null) await _reading;
        _channel.Dispose();
    }
}
