using System.Security.Cryptography.X509Certificates;
using Mesh.Proxy.Identity;
using Mesh.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Tests.Identity;

/// <summary>The proxy's TLS to its control plane: it trusts only a certificate from its CA root bundle that carries istiod's SPIFFE id.</summary>
public sealed class ControlPlaneTlsTests : IDisposable
{
    private static readonly SpiffeId Istiod = new("cluster.local", "istio-system", "istiod");
    private static readonly SpiffeId Backend = new("cluster.local", "default", "backend");

    private readonly CertificateAuthority _ca = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(1));
    private readonly string _rootFile = Path.Combine(Path.GetTempPath(), $"mesh-root-{Guid.NewGuid():N}.pem");

    public ControlPlaneTlsTests() => File.WriteAllText(_rootFile, _ca.Bundle.ToPem());

    public void Dispose()
    {
        File.Delete(_rootFile);
        _ca.Dispose();
    }

    [Fact]
    public async Task FetchAsync_ControlPlaneCertificateFromAnotherCa_RefusedNamingTheChain()
    {
        using var other = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(1));

        var reason = await FetchFailureAsync(ServingCertificate(other, Istiod));

        Assert.Contains("refused the control plane's certificate", reason);
        Assert.Contains("does not chain to a trusted root", reason);
        Assert.Contains(_rootFile, reason);
    }

    [Fact]
    public async Task FetchAsync_ControlPlaneCertificateForAnotherIdentity_RefusedNamingBothIdentities()
    {
        var reason = await FetchFailureAsync(ServingCertificate(_ca, Backend));

        Assert.Contains(Backend.Uri, reason);
        Assert.Contains(ControlPlaneCertificateValidator.ExpectedIdentity, reason);
    }

    [Fact]
    public void ControlPlaneChannel_HttpsWithoutRootFile_RefusedNamingTheFlag()
    {
        var error = Assert.Throws<ArgumentException>(() => ControlPlaneChannel.Create(new Uri("https://127.0.0.1:15012"), null, TimeProvider.System));
        Assert.Contains("--ca-root-file", error.Message);
    }

    [Fact]
    public void TryApply_HttpsDiscoveryWithoutRootFile_ErrorNamesTheFlag()
    {
        var options = ProxyCommandLine.TryParse(
            ["router", "--workload", "gw", "--namespace", "istio-system", "--discovery", "https://127.0.0.1:15012", "--admin-port", "0"], out var error);
        Assert.Null(options);
        Assert.Contains("--ca-root-file", error);

        options = ProxyCommandLine.TryParse(
            ["router", "--workload", "gw", "--namespace", "istio-system", "--discovery", "https://127.0.0.1:15012", "--admin-port", "0", "--ca-root-file", _rootFile], out error);
        Assert.Equal(_rootFile, options?.Identity.CaRootFile);
    }

    /// <summary>Starts a TLS gRPC port serving <paramref name="certificate"/>, asks it for a workload certificate, and returns why that failed.</summary>
    private async Task<string> FetchFailureAsync(X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l =>
        {
            l.Protocols = HttpProtocols.Http2;
            l.UseHttps(certificate);
        }));
        await using var server = builder.Build();
        await server.StartAsync();
        var address = new Uri(server.Urls.First().Replace("http://", "https://", StringComparison.Ordinal));

        var token = new BootstrapToken(new byte[32]).Create(Backend);
        using var source = new GrpcCertificateSource(address, new IdentityOptions { Token = token, CaRootFile = _rootFile });
        var error = await Assert.ThrowsAnyAsync<Exception>(() => source.FetchAsync(CancellationToken.None));
        return ControlPlaneChannel.DescribeFailure(error);
    }

    private static X509Certificate2 ServingCertificate(CertificateAuthority ca, SpiffeId identity)
    {
        using var key = WorkloadKey.Create();
        var issued = ca.Issue(new ValidatedSigningRequest(new PublicKey(key), identity), identity, TimeSpan.FromHours(1));
        return WorkloadKey.Combine(issued.CertificatePem, key);
    }
}
