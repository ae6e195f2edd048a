using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;

namespace Mesh.ControlPlane.Tests.Discovery;

public sealed class DiscoveryRequestRulesTests
{
    public static TheoryData<string, string, bool, string?, string> Cases => new()
    {
        // type, nonce in request, error set, last sent nonce, expected
        { TypeUrls.Cluster, "", false, null, nameof(RequestKind.Subscribe) },
        { TypeUrls.Route, "", false, "1-4", nameof(RequestKind.AlreadySent) },
        { TypeUrls.Cluster, "1-1", false, "1-5", nameof(RequestKind.Stale) },
        { TypeUrls.Cluster, "1-1", true, "1-5", nameof(RequestKind.Stale) },
        { TypeUrls.Cluster, "1-1", false, null, nameof(RequestKind.Stale) },
        { TypeUrls.Listener, "1-3", false, "1-3", nameof(RequestKind.Ack) },
        { TypeUrls.Listener, "1-3", true, "1-3", nameof(RequestKind.Nack) },
        { "type.googleapis.com/envoy.Secret", "", false, null, nameof(RequestKind.UnknownType) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classify_RequestAgainstLastSent_GivesExpectedKind(string typeUrl, string nonce, bool error, string? sentNonce, string expected)
    {
        var request = new DiscoveryRequest { TypeUrl = typeUrl, ResponseNonce = nonce, VersionInfo = "v1" };
        if (error) request.ErrorDetail = new ErrorDetail { Code = 3, Message = "bad route" };
        var sent = sentNonce is null ? null : new TypeSyncState(typeUrl, SentVersion: "v2", SentNonce: sentNonce);

        Assert.Equal(expected, DiscoveryRequestRules.Classify(request, sent).ToString());
    }

    [Fact]
    public void Status_NackOfLatestNonce_IsNackedUntilNewerSend()
    {
        var at = DateTimeOffset.UnixEpoch;
        var state = new TypeSyncState(TypeUrls.Route, "v2", "1-4", at, "v1", "1-2", at, new NackRecord("1-4", "v1", 3, "bad", at));
        Assert.Equal(SyncStatus.Nacked, state.Status);

        var resent = state with { SentVersion = "v3", SentNonce = "1-5" };
        Assert.Equal(SyncStatus.Stale, resent.Status);
        Assert.Equal(SyncStatus.Synced, (resent with { AckedNonce = "1-5", AckedVersion = "v3" }).Status);
    }
}
