// Asks the control plane's CA for a certificate: a new P-256 key per request, a CSR for the token's identity, over Grpc.Net.Client (TLS for https://).
// The token goes in "authorization: Bearer", read again for every request (a projected service-account token rotates).
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Security;
using Mesh.Security;

namespace Mesh.Proxy.Identity;

internal sealed class GrpcCertificateSource : IWorkloadCertificateSource, IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private readonly GrpcChannel _channel;
    private readonly CertificateService.CertificateServiceClient _client;
    private readonly IdentityOptions _options;
    private readonly SpiffeId _identity;

    public GrpcCertificateSource(Uri controlPlane, IdentityOptions options)
    {
        var identity = CaToken.Identity(options);
        _channel = ControlPlaneChannel.Create(controlPlane, options.CaRootFile, TimeProvider.System);
        _client = new CertificateService.CertificateServiceClient(_channel);
        _options = options;
        _identity = identity;
    }

    public SpiffeId Identity => _identity;

    public async Task<WorkloadCertificate> FetchAsync(CancellationToken cancellationToken)
    {
        var headers = new Metadata { { "authorization", "Bearer " + CaToken.Current(_options) } };
        using var key = WorkloadKey.Create();
        var request = new CreateCertificateRequest
        {
            Csr = WorkloadKey.CreateSigningRequestPem(key, _identity),
            ValidityDurationSeconds = (long)(_options.Lifetime?.TotalSeconds ?? 0),
        };
        CreateCertificateResponse response;
        try
        {
            response = await _client.CreateCertificateAsync(request, headers, DateTime.UtcNow + CallTimeout, cancellationToken);
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            // Grpc.Net.Client reports our own cancellation as CANCELLED; the rotator stops quietly on a cancellation.
            throw new OperationCanceledException(cancellationToken);
        }

        if (response.CertChain.Count == 0)
        {
            throw new InvalidDataException("the CA answered without a certificate");
        }

        var leaf = WorkloadKey.Combine(response.CertChain[0], key);
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < response.CertChain.Count; i++)
        {
            intermediates.Add(X509Certificate2.CreateFromPem(response.CertChain[i]));
        }

        return new WorkloadCertificate(_identity, leaf, intermediates, TrustBundle.FromPem(response.TrustBundle));
    }

    public void Dispose() => _channel.Dispose();
}
