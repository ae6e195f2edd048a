using Grpc.Core;
using Mesh.Contracts.Discovery;
using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>
/// Who may open a discovery stream, over real TLS: a workload certificate or a bootstrap token proves an identity, and
/// the node claimed must be that identity's; anything else is refused with a status, a log line and a counted failure.
/// </summary>
public sealed class DiscoveryAuthenticationTests : SecuredControlPlaneTests
{
    private const string FrontendNode = "sidecar~frontend-v1.default";
    private const string BackendNode = "sidecar~backend-v1.default";

    [Fact]
    public async Task StreamResources_ClientCertificateForTheNodesServiceAccount_ServedAndSynczNamesTheIdentity()
    {
        using var certificate = ControlPlane.Certificate(SecuredControlPlane.Frontend);
        using var channel = ControlPlane.Channel(certificate);

        using var call = await SecuredControlPlane.SubscribeAsync(channel, TestNodes.Sidecar("frontend-v1"), cancellationToken: Timeout);

        var connection = Assert.Single(ControlPlane.Server.Registry.Snapshot());
        Assert.Equal((SecuredControlPlane.Frontend, "client certificate"), (connection.Caller!.Identity, connection.Caller.Credential));
        var proxy = (await ControlPlane.SynczProxyAsync(FrontendNode))!.Value;
        Assert.Equal(SecuredControlPlane.Frontend.Uri, proxy.GetProperty("identity").GetString());
        Assert.Equal("client certificate", proxy.GetProperty("authenticatedBy").GetString());
        Assert.Equal(0, await ControlPlane.MetricAsync("mesh_xds_auth_failures_total{reason=\"permission_denied\"}"));
    }

    [Fact]
    public async Task StreamResources_ClientCertificateClaimingAnotherServiceAccountsWorkload_PermissionDeniedLoggedAndCounted()
    {
        using var certificate = ControlPlane.Certificate(SecuredControlPlane.Frontend);
        using var channel = ControlPlane.Channel(certificate);

        var refusal = await Assert.ThrowsAsync<RpcException>(() => SecuredControlPlane.SubscribeAsync(channel, TestNodes.Sidecar("backend-v1"), cancellationToken: Timeout));

        Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
        Assert.Contains("WorkloadEntry default/backend-v1 runs as service account 'backend'", refusal.Status.Detail);
        Assert.Equal(0, ControlPlane.Server.Registry.Count);
        var line = Assert.Single(ControlPlane.Logs.Lines, l => l.EventId == SecuredControlPlane.RefusedEvent).Message;
        Assert.StartsWith("Refused discovery stream from 127.0.0.1:", line);
        Assert.Contains($"claiming {BackendNode}, authenticated as {SecuredControlPlane.Frontend.Uri}: PermissionDenied:", line);
        Assert.Equal(1, await ControlPlane.MetricAsync("mesh_xds_auth_failures_total{reason=\"permission_denied\"}"));
    }

    [Fact]
    public async Task StreamResources_NoCredentials_UnauthenticatedLoggedAsNobody()
    {
        using var channel = ControlPlane.Channel();

        var refusal = await Assert.ThrowsAsync<RpcException>(() => SecuredControlPlane.SubscribeAsync(channel, TestNodes.Sidecar("frontend-v1"), cancellationToken: Timeout));

        Assert.Equal(StatusCode.Unauthenticated, refusal.StatusCode);
        Assert.Contains("no credentials", refusal.Status.Detail);
        Assert.Contains($"claiming {FrontendNode}, authenticated as nobody: Unauthenticated:",
            Assert.Single(ControlPlane.Logs.Lines, l => l.EventId == SecuredControlPlane.RefusedEvent).Message);
        Assert.Equal(1, await ControlPlane.MetricAsync("mesh_xds_auth_failures_total{reason=\"unauthenticated\"}"));
    }

    [Fact]
    public async Task StreamResources_CertificateFromAnotherCa_UnauthenticatedNamingTheChain()
    {
        using var otherCa = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(1));
        using var key = WorkloadKey.Create();
        var request = SigningRequestValidator.Validate(System.Text.Encoding.ASCII.GetBytes(WorkloadKey.CreateSigningRequestPem(key, SecuredControlPlane.Frontend)));
        using var forged = WorkloadKey.Combine(otherCa.Issue(request, SecuredControlPlane.Frontend, TimeSpan.FromHours(1)).CertificatePem, key);
        using var channel = ControlPlane.Channel(forged);

        var refusal = await Assert.ThrowsAsync<RpcException>(() => SecuredControlPlane.SubscribeAsync(channel, TestNodes.Sidecar("frontend-v1"), cancellationToken: Timeout));

        Assert.Equal(StatusCode.Unauthenticated, refusal.StatusCode);
        Assert.Contains("does not chain to a trusted root", refusal.Status.Detail);
    }

    [Fact]
    public async Task StreamResources_BootstrapTokenForTheNodesServiceAccount_Served()
    {
        using var channel = ControlPlane.Channel();

        using var call = await SecuredControlPlane.SubscribeAsync(channel, TestNodes.Sidecar("frontend-v1"), ControlPlane.Token(SecuredControlPlane.Frontend), Timeout);

        var connection = Assert.Single(ControlPlane.Server.Registry.Snapshot());
        Assert.Equal((SecuredControlPlane.Frontend, "bootstrap token"), (connection.Caller!.Identity, connection.Caller.Credential));
    }

    [Fact]
    public async Task StreamResources_BootstrapTokenClaimingAnotherServiceAccountsWorkload_PermissionDenied()
    {
        using var channel = ControlPlane.Channel();

        var refusal = await Assert.ThrowsAsync<RpcException>(() =>
            SecuredControlPlane.SubscribeAsync(channel, TestNodes.Sidecar("backend-v1"), ControlPlane.Token(SecuredControlPlane.Frontend), Timeout));

        Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
        Assert.Equal(0, ControlPlane.Server.Registry.Count);
    }

    [Fact]
    public async Task StreamResources_TokenNotMintedWithTheCaSecret_Unauthenticated()
    {
        using var channel = ControlPlane.Channel();
        var forged = new BootstrapToken(new byte[32]).Create(SecuredControlPlane.Frontend);

        var refusal = await Assert.ThrowsAsync<RpcException>(() => SecuredControlPlane.SubscribeAsync(channel, TestNodes.Sidecar("frontend-v1"), forged, Timeout));

        Assert.Equal(StatusCode.Unauthenticated, refusal.StatusCode);
        Assert.Contains("not one this control plane issued", refusal.Status.Detail);
    }

    [Fact]
    public async Task StreamResources_ExpiredCertificateBesideAValidToken_ServedByTheToken()
    {
        // istiod's order: each credential is tried until one proves an identity; a proxy whose connection outlived its
        // certificate is still known by its token.
        using var expired = ControlPlane.Certificate(SecuredControlPlane.Frontend, issuedAt: DateTimeOffset.UtcNow.AddHours(-2));
        using var channel = ControlPlane.Channel(expired);

        using var call = await SecuredControlPlane.SubscribeAsync(channel, TestNodes.Sidecar("frontend-v1"), ControlPlane.Token(SecuredControlPlane.Frontend), Timeout);

        Assert.Equal("bootstrap token", Assert.Single(ControlPlane.Server.Registry.Snapshot()).Caller!.Credential);
    }
}
