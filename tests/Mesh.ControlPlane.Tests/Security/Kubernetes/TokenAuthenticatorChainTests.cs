using Grpc.Core;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Security;
using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Security.Kubernetes;

/// <summary>The tokens the CA and the discovery stream accept, in order: a bootstrap token, then a Kubernetes token.</summary>
public sealed class TokenAuthenticatorChainTests
{
    private static readonly SpiffeId Backend = new("cluster.local", "default", "backend");

    private readonly FakeTimeProvider _time = new(TestCa.Now);
    private readonly FakeKubernetesCaApi _api = new();
    private readonly BootstrapToken _bootstrap = new(new byte[32]);

    private TokenAuthenticatorChain Chain() => new([
        new BootstrapTokenAuthenticator(_bootstrap),
        new TokenReviewAuthenticator(_api, "cluster.local", _time, new TokenReviewOptions()),
    ]);

    [Fact]
    public async Task Authenticate_BootstrapToken_ProvenWithoutATokenReview()
    {
        var result = await Chain().AuthenticateAsync(_bootstrap.Create(Backend), CancellationToken.None);

        Assert.Equal((Backend, "bootstrap token"), (result.Identity, result.Credential));
        Assert.Empty(_api.Reviews);
    }

    [Fact]
    public async Task Authenticate_KubernetesToken_ProvenByTheTokenReview()
    {
        _api.Review = (_, _) => Task.FromResult(new V1TokenReviewStatus
        {
            Authenticated = true,
            Audiences = ["istio-ca"],
            User = new V1UserInfo { Username = "system:serviceaccount:default:backend" },
        });

        var result = await Chain().AuthenticateAsync(ServiceAccountTokens.Create("default", "backend", _time.GetUtcNow().AddHours(1)), CancellationToken.None);

        Assert.Equal((Backend, "Kubernetes token"), (result.Identity, result.Credential));
    }

    [Fact]
    public async Task Authenticate_NeitherKind_UnauthenticatedNamingBoth()
    {
        var result = await Chain().AuthenticateAsync("garbage", CancellationToken.None);

        Assert.Null(result.Identity);
        Assert.Equal(StatusCode.Unauthenticated, result.Status);
        Assert.Equal("the token is not one this control plane issued: it is not a bootstrap token nor a Kubernetes token", result.Failure);
    }
}
