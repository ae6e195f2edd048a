using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Security;

public sealed class BootstrapTokenTests
{
    private static readonly byte[] Secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void Authenticate_TokenMintedWithTheSecret_ReturnsItsIdentity()
    {
        var tokens = new BootstrapToken(Secret);
        Assert.Equal(TestCa.Backend, tokens.Authenticate(tokens.Create(TestCa.Backend)));
    }

    [Fact]
    public void Authenticate_TokenOfAnotherSecret_ReturnsNull()
    {
        var other = new BootstrapToken(new byte[32]);
        Assert.Null(new BootstrapToken(Secret).Authenticate(other.Create(TestCa.Backend)));
    }

    [Fact]
    public void Authenticate_IdentitySwappedInAValidToken_ReturnsNull()
    {
        var tokens = new BootstrapToken(Secret);
        var frontend = tokens.Create(new SpiffeId("cluster.local", "default", "frontend"));
        var backend = tokens.Create(TestCa.Backend);
        var forged = backend[..backend.IndexOf('.')] + frontend[frontend.IndexOf('.')..];
        Assert.Null(tokens.Authenticate(forged));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("no-dot")]
    [InlineData("!!!.???")]
    public void Authenticate_Malformed_ReturnsNull(string? token) => Assert.Null(new BootstrapToken(Secret).Authenticate(token));

    [Fact]
    public void TryReadIdentity_ValidToken_ReadsIdentityWithoutTheSecret()
    {
        var token = new BootstrapToken(Secret).Create(TestCa.Backend);
        Assert.True(BootstrapToken.TryReadIdentity(token, out var identity, out _));
        Assert.Equal(TestCa.Backend, identity);
    }
}
