using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Monitoring;
using Mesh.ControlPlane.Translation;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Discovery;

/// <summary>
/// One proxy's stream, handled by a single loop: answers its requests and, on each push it depends on, regenerates
/// its configuration and sends the types that changed — within the server-wide cap on concurrent pushes.
/// </summary>
internal sealed class DiscoveryStream
{
    private readonly ProxyConnection _connection;
    private readonly IServerStreamWriter<DiscoveryResponse> _writer;
    private readonly MeshSnapshotStore _snapshots;
    private readonly SemaphoreSlim _pushThrottle;
    private readonly ControlPlaneMetrics _metrics;
    private readonly DiscoveryAccess _access;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private MeshSnapshot? _generatedFrom;
    // After a failed generation the changes it was for are not all in the next push's request: regenerate every type.
    private bool _regenerateAll = true;
    private readonly SharedResourcePool _pool;
    // Per type in push order: the resources last generated, packed as responses carry them, with their version; held
    // in the pool, shared with every stream whose content for the type is the same.
    private readonly SharedResources?[] _held = new SharedResources?[TypeUrls.PushOrder.Count];
    // Whether the proxy applies incremental responses (it declares the client feature).
    private readonly bool _incremental;
    // Per type: the set last sent, which the next increment is made on; null when the next send must be a whole set (the
    // first, after a NACK, after a re-subscribe). Not counted as a hold: the content is immutable, the pool may forget it.
    private readonly SharedResources?[] _sent = new SharedResources?[TypeUrls.PushOrder.Count];
    // Per type: whether the last response sent was an increment, so that a NACK of it is answered with the whole set.
    private readonly bool[] _sentIncrement = new bool[TypeUrls.PushOrder.Count];
    private long _nonceSequence;

    /// <param name="pushThrottle">Shared by every stream: at most its count of proxies regenerate and send at once (istiod's push throttle).</param>
    public DiscoveryStream(ProxyConnection connection, IServerStreamWriter<DiscoveryResponse> writer, MeshSnapshotStore snapshots,
        SemaphoreSlim pushThrottle, SharedResourcePool pool, ControlPlaneMetrics metrics, DiscoveryAccess access, TimeProvider time, ILogger logger)
    {
        _pool = pool;
        _access = access;
        _connection = connection;
        _writer = writer;
        _snapshots = snapshots;
        _pushThrottle = pushThrottle;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _incremental = connection.Node.ClientFeatures.Contains(ClientFeatures.Incremental);
    }

    private string ProxyId => _connection.Node.Id;

    /// <summary>Handles events until the proxy ends its side of the stream, then lets go of the resources it holds.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            // The first request is a subscribe whatever type it names: answer it by sending every type.
            await PushChangedAsync(changedAt: null, ResourceTypes.All, null, cancellationToken);
            await foreach (var item in _connection.Events.ReadAllAsync(cancellationToken))
            {
                if (item.IsPush)
                {
                    await OnPushAsync(cancellationToken);
                }
                else
                {
                    await HandleRequestAsync(item.Request!, cancellationToken);
                }
            }
        }
        finally
        {
            for (var type = 0; type < _held.Length; type++)
            {
                if (_held[type] is { } held) _pool.Release(held);
                _held[type] = null;
            }
        }
    }

    /// <summary>Takes the merged push waiting for this proxy and pushes unless nothing it depends on changed.</summary>
    private async Task OnPushAsync(CancellationToken cancellationToken)
    {
        if (_connection.TakePush() is not { } pending) return;
        _metrics.RecordQueueTime(_time.GetElapsedTime(pending.QueuedAt));
        if (_snapshots.Current is not { } current || ReferenceEquals(current, _generatedFrom)) return;
        if (_generatedFrom is { } previous && !ProxyDependencies.NeedsPush(_connection.Node, previous, current, pending.Request))
        {
            // What this proxy was sent still stands: keep the snapshot it was generated from, the next push compares with it.
            _metrics.RecordSkippedPush();
            DiscoveryLog.PushSkipped(_logger, ProxyId, pending.Request.ConfigsUpdated.Count);
            return;
        }
        var types = _generatedFrom is { } generatedFrom
            ? ProxyDependencies.TypesAffected(_connection.Node, generatedFrom, current, pending.Request)
            : ResourceTypes.All;
        await PushChangedAsync(pending.Request.Start, types, current, cancellationToken);
    }

    private async Task HandleRequestAsync(DiscoveryRequest request, CancellationToken cancellationToken)
    {
        var kind = DiscoveryRequestRules.Classify(request, IsKnownType(request.TypeUrl) ? _connection.GetState(request.TypeUrl) : null);
        switch (kind)
        {
            case RequestKind.UnknownType:
                DiscoveryLog.UnknownType(_logger, ProxyId, request.TypeUrl);
                break;
            case RequestKind.Subscribe:
                // The proxy asks afresh: it is sent the whole set, whatever it was sent before.
                _sent[TypeIndex(request.TypeUrl)] = null;
                if (Regenerate(ResourceTypes.All, null)) await SendAsync(TypeIndex(request.TypeUrl), _time.GetTimestamp(), cancellationToken);
                break;
            case RequestKind.AlreadySent:
                break;
            case RequestKind.Stale:
                _metrics.RecordStaleNonce(request.TypeUrl);
                DiscoveryLog.StaleNonce(_logger, ProxyId, request.ResponseNonce, TypeUrls.ShortName(request.TypeUrl));
                break;
            case RequestKind.Ack:
                RecordAck(request);
                break;
            case RequestKind.Nack:
                RecordNack(request);
                // The proxy keeps what it had, which is not what was sent: the next send is a whole set. An increment may
                // have been refused only because the proxy holds another set than it was made on: send the whole set now.
                var nacked = TypeIndex(request.TypeUrl);
                _sent[nacked] = null;
                if (_sentIncrement[nacked]) await SendAsync(nacked, _time.GetTimestamp(), cancellationToken);
                break;
        }
    }

    private void RecordAck(DiscoveryRequest request)
    {
        var state = _connection.GetState(request.TypeUrl);
        _connection.SetState(state with { AckedVersion = request.VersionInfo, AckedNonce = request.ResponseNonce, AckedAt = _time.GetUtcNow() });
        DiscoveryLog.Ack(_logger, ProxyId, TypeUrls.ShortName(request.TypeUrl), request.VersionInfo);
    }

    private void RecordNack(DiscoveryRequest request)
    {
        var state = _connection.GetState(request.TypeUrl);
        var nack = new NackRecord(request.ResponseNonce, request.VersionInfo, request.ErrorDetail.Code, request.ErrorDetail.Message, _time.GetUtcNow());
        _connection.SetState(state with { LastNack = nack });
        _metrics.RecordNack(request.TypeUrl);
        DiscoveryLog.Nack(_logger, ProxyId, TypeUrls.ShortName(request.TypeUrl), state.SentVersion ?? "", request.VersionInfo, request.ErrorDetail.Message);
    }

    /// <summary>
    /// Regenerates, then sends in dependency order each type whose content for this proxy differs from what was last
    /// sent. <paramref name="changedAt"/>: when the config change being pushed happened (null for a new stream);
    /// <paramref name="types"/>: those the change can affect, judged for the snapshot <paramref name="typesFor"/>.
    /// </summary>
    private async Task PushChangedAsync(DateTimeOffset? changedAt, ResourceTypes types, MeshSnapshot? typesFor, CancellationToken cancellationToken)
    {
        await _pushThrottle.WaitAsync(cancellationToken);
        try
        {
            var started = _time.GetTimestamp();
            if (!Regenerate(types, typesFor)) return;
            for (var type = 0; type < TypeUrls.PushOrder.Count; type++)
            {
                if (_connection.GetState(TypeUrls.PushOrder[type]).SentVersion != _held[type]!.Version) await SendAsync(type, started, cancellationToken);
            }
            if (changedAt is { } since) _metrics.RecordConvergence(_time.GetUtcNow() - since);
        }
        finally
        {
            _pushThrottle.Release();
        }
    }

    /// <summary>
    /// Brings the generated resources up to the latest snapshot, regenerating <paramref name="types"/>, the types a
    /// push's changes can affect up to the snapshot <paramref name="typesFor"/>; the others stand as they are. Every
    /// type for the first generation, after one failed, or when a newer snapshot came meanwhile (its changes, of any
    /// kind, are in a push not taken yet, which would then find this snapshot already generated). False when there is
    /// nothing to serve yet.
    /// </summary>
    private bool Regenerate(ResourceTypes types, MeshSnapshot? typesFor)
    {
        var snapshot = _snapshots.Current;
        if (snapshot is null) return false;
        if (ReferenceEquals(snapshot, _generatedFrom)) return true;
        _access.Recheck(_connection, snapshot);
        if (_regenerateAll || !ReferenceEquals(snapshot, typesFor)) types = ResourceTypes.All;
        ProxyResources resources;
        try
        {
            resources = ProxyConfigGenerator.Generate(_connection.Node, snapshot, types);
        }
        catch (Exception ex) when (_generatedFrom is not null)
        {
            // A generator bug must not take the proxy's working config away: keep serving what it has.
            _metrics.RecordGenerateFailed();
            DiscoveryLog.GenerateFailed(_logger, ProxyId, ex);
            _regenerateAll = true;
            return true;
        }
        _generatedFrom = snapshot;
        _regenerateAll = false;
        for (var type = 0; type < TypeUrls.PushOrder.Count; type++)
        {
            if (((int)types & (1 << type)) == 0) continue;
            var previous = _held[type];
            _held[type] = _pool.Acquire(type, resources.Packable(TypeUrls.PushOrder[type]));
            if (previous is not null) _pool.Release(previous);
        }
        return true;
    }

    /// <param name="started">When this push (or subscribe answer) began, a <see cref="TimeProvider"/> timestamp.</param>
    private async Task SendAsync(int type, long started, CancellationToken cancellationToken)
    {
        var typeUrl = TypeUrls.PushOrder[type];
        var held = _held[type]!;
        var response = new DiscoveryResponse
        {
            TypeUrl = typeUrl,
            VersionInfo = held.Version,
            Nonce = $"{_connection.Id}-{++_nonceSequence}",
        };
        _sentIncrement[type] = _incremental && _sent[type] is { } sent && AddIncrement(sent, held, response);
        if (!_sentIncrement[type]) AddAll(held, response);
        _sent[type] = held;
        var state = _connection.GetState(typeUrl);
        _connection.SetState(state with { SentVersion = response.VersionInfo, SentNonce = response.Nonce, SentAt = _time.GetUtcNow() });
        await _writer.WriteAsync(response, cancellationToken);
        _metrics.RecordSent(typeUrl, response.CalculateSize(), _time.GetElapsedTime(started));
        DiscoveryLog.Sent(_logger, TypeUrls.ShortName(typeUrl), response.VersionInfo, ProxyId, response.Resources.Count, response.Nonce);
    }

    /// <summary>
    /// Makes <paramref name="response"/> the increment from <paramref name="previous"/> to <paramref name="current"/>: the
    /// resources whose bytes changed or are new, and the names gone. False, and nothing added, when no resource is carried
    /// over (the whole set is then no bigger), or when a set's names are not strictly ascending, as generation gives
    /// every type (<see cref="ProxyConfigGenerator"/>): the whole set is then sent.
    /// </summary>
    /// <remarks>
    /// One walk over both sets in name order: a change resends a few of a thousand proxies' two thousand endpoint
    /// assignments each, and indexing the previous set by name for every one of them took a fifth of the control
    /// plane's CPU (docs/performance.md, "Endpoint changes").
    /// </remarks>
    internal static bool AddIncrement(SharedResources previous, SharedResources current, DiscoveryResponse response)
    {
        if (!previous.NamesAscending || !current.NamesAscending) return false;
        var (before, after) = (previous.Packed.GetEnumerator(), current.Packed);
        var changed = new List<Any>();
        var removed = new List<string>();
        var holdsBefore = before.MoveNext();
        foreach (var resource in after)
        {
            // The same packing as the previous set's next: unchanged, and no names to compare (a shared resource keeps
            // its packing across snapshots, so most of a set is found so).
            if (holdsBefore && ReferenceEquals(before.Current, resource))
            {
                holdsBefore = before.MoveNext();
                continue;
            }
            // Names before this one are gone from the current set; each pair of names is compared once.
            var order = -1;
            while (holdsBefore && (order = string.CompareOrdinal(before.Current.Name, resource.Name)) < 0)
            {
                removed.Add(before.Current.Name);
                holdsBefore = before.MoveNext();
            }
            if (holdsBefore && order == 0)
            {
                if (!before.Current.SameBytesAs(resource)) changed.Add(resource.Any);
                holdsBefore = before.MoveNext();
            }
            else
            {
                changed.Add(resource.Any);
            }
        }
        while (holdsBefore)
        {
            removed.Add(before.Current.Name);
            holdsBefore = before.MoveNext();
        }
        if (changed.Count == after.Count) return false;
        response.Incremental = true;
        response.BaseVersion = previous.Version;
        response.Resources.AddRange(changed);
        response.RemovedResources.AddRange(removed);
        return true;
    }

    /// <summary>Makes <paramref name="response"/> the whole set: every resource of <paramref name="held"/>, in order.</summary>
    private static void AddAll(SharedResources held, DiscoveryResponse response)
    {
        response.Resources.Capacity = held.Packed.Count;
        foreach (var resource in held.Packed) response.Resources.Add(resource.Any);
    }

    private static bool IsKnownType(string typeUrl) => TypeIndex(typeUrl) >= 0;

    /// <summary>The type's place in push order; -1 for a type we do not serve.</summary>
    private static int TypeIndex(string typeUrl)
    {
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
        {
            if (TypeUrls.PushOrder[i] == typeUrl) return i;
        }
        return -1;
    }
}
