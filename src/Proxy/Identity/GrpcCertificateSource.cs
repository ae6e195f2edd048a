// Asks the control plane's CA for a certificate: a new P-256 key per request, a CSR for the token's identity, over Mesh.Grpc (TLS for https://).
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mesh.Contracts.Security;
using Mesh.Grpc;
using Mesh.Security;

namespace Mesh.Proxy.Identity;

internal sealed class GrpcCertificateSource : IWorkloadCertificateSource, IDisposable
{
    private static readonly GrpcMethod<CreateCertificateRequest, CreateCertificateResponse> CreateCertificate = new(
        "/mesh.security.v1.CertificateService/CreateCertificate", CreateCertificateRequest.Parser, CreateCertificateResponse.Parser);

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private readonly ControlPlaneChannel _connection;
    private readonly IdentityOptions _options;
    private readonly SpiffeId _identity;
    private readonly Dictionary<string, string> _headers;

    public GrpcCertificateSource(Uri controlPlane, IdentityOptions options)
    {
        if (!BootstrapToken.TryReadIdentity(options.Token, out var identity, out _))
        {
            throw new ArgumentException("The CA token is not a bootstrap token (expected <identity>.<mac>, as the control plane mints them).", nameof(options));
        }

        _connection = new ControlPlaneChannel(controlPlane, options.CaRootFile, TimeProvider.System);
        _options = options;
        _identity = identity;
        _headers = new Dictionary<string, string> { ["authorization"] = "Bearer " + options.Token };
    }

    public SpiffeId Identity => _identity;

    public async Task<WorkloadCertificate> FetchAsync(CancellationToken cancellationToken)
    {
        using var key = WorkloadKey.Create();
        var request = new CreateCertificateRequest
        {
            Csr = WorkloadKey.CreateSigningRequestPem(key, _identity),
            ValidityDurationSeconds = (long)(_options.Lifetime?.TotalSeconds ?? 0),
        };
        var response = await _connection.Channel.UnaryAsync(CreateCertificate, request, new GrpcCallOptions(CallTimeout, cancellationToken, _headers));
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

    public void Dispose() => _connection.Dispose();
}
