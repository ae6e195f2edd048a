using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Discovery;

public sealed class PushRequestTests
{
    private static readonly ConfigKey Backend = new("VirtualService", "default", "backend");
    private static readonly ConfigKey Gateway = new("Gateway", "default", "frontend-gateway");
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Merge_TwoConfigChanges_UnionOfKeysAndEarlierStart()
    {
        var first = PushRequest.ForConfigs(new HashSet<ConfigKey> { Backend }, T0.AddSeconds(1));
        var second = PushRequest.ForConfigs(new HashSet<ConfigKey> { Gateway }, T0);

        var merged = first.Merge(second);

        Assert.False(merged.IsFull);
        Assert.True(merged.ConfigsUpdated.SetEquals([Backend, Gateway]));
        Assert.Equal(T0, merged.Start);
        Assert.Equal(PushReasons.Config, merged.Reasons);
    }

    [Fact]
    public void Merge_WithFull_IsFullWithBothReasons()
    {
        var merged = PushRequest.ForConfigs(new HashSet<ConfigKey> { Backend }, T0).Merge(PushRequest.Full(PushReasons.Global, T0));

        Assert.True(merged.IsFull);
        Assert.Empty(merged.ConfigsUpdated);
        Assert.Equal(PushReasons.Config | PushReasons.Global, merged.Reasons);
        Assert.Equal("full (config,global)", merged.ToString());
    }

    [Fact]
    public void PostPush_WhileOneWaits_MergesIntoItAndWakesTheStreamOnce()
    {
        var connection = new ProxyConnection(1, new Node { Id = "sidecar~a.default" }, "peer", T0);

        connection.PostPush(PushRequest.ForConfigs(new HashSet<ConfigKey> { Backend }, T0), timestamp: 10);
        connection.PostPush(PushRequest.ForConfigs(new HashSet<ConfigKey> { Gateway }, T0.AddSeconds(1)), timestamp: 20);

        Assert.True(connection.Events.TryRead(out var wake));
        Assert.True(wake.IsPush);
        Assert.False(connection.Events.TryRead(out _));
        var pending = connection.TakePush();
        Assert.NotNull(pending);
        Assert.True(pending.Request.ConfigsUpdated.SetEquals([Backend, Gateway]));
        Assert.Equal(10, pending.QueuedAt);
        Assert.Null(connection.TakePush());
    }
}
