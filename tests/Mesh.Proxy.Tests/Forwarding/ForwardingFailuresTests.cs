using Mesh.Proxy.Forwarding;

namespace Mesh.Proxy.Tests.Forwarding;

public sealed class ForwardingFailuresTests
{
    [Fact]
    public void Reason_InnermostMessage_OnOneLine()
    {
        var disposed = new ObjectDisposedException("System.Net.Sockets.NetworkStream");

        var reason = ForwardingFailures.Reason(new IOException("outer", disposed));

        Assert.Equal("Cannot access a disposed object. Object name: 'System.Net.Sockets.NetworkStream'.", reason);
    }

    [Fact]
    public void Reason_NoException_Dash() => Assert.Equal("-", ForwardingFailures.Reason(null));
}
