using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Security;

public sealed class SpiffeIdTests
{
    [Fact]
    public void TryParse_IstioIdentity_ReadsParts()
    {
        Assert.True(SpiffeId.TryParse("spiffe://cluster.local/ns/default/sa/backend", out var id, out _));
        Assert.Equal(new SpiffeId("cluster.local", "default", "backend"), id);
        Assert.Equal("spiffe://cluster.local/ns/default/sa/backend", id.Uri);
    }

    [Theory]
    [InlineData("")]
    [InlineData("https://cluster.local/ns/default/sa/backend")]
    [InlineData("spiffe://cluster.local/ns/default")]
    [InlineData("spiffe://cluster.local/sa/backend/ns/default")]
    [InlineData("spiffe://cluster.local/ns//sa/backend")]
    [InlineData("spiffe://cluster.local/ns/default/sa/back end")]
    [InlineData("spiffe://cluster.local/ns/default/sa/backend/extra")]
    public void TryParse_NotAnIstioIdentity_FailsWithReason(string text)
    {
        Assert.False(SpiffeId.TryParse(text, out _, out var error));
        Assert.Contains(text.Length == 0 ? "not a SPIFFE id" : text, error);
    }
}
