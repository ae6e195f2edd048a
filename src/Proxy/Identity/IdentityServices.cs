// Registers the proxy's identity: the certificate store every TLS handshake reads and, with a token, the rotator that fills it.
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Proxy.Identity;

internal static class IdentityServices
{
    /// <summary>Call before the discovery client is registered: hosted services start in order, and listeners need the certificate.</summary>
    /// <param name="source">A source of certificates instead of the control plane's CA (tests); null asks the CA when a token is set.</param>
    public static void Add(IServiceCollection services, ProxyOptions options, IWorkloadCertificateSource? source)
    {
        var enabled = source is not null || options.Identity.HasToken;
        services.AddSingleton(new WorkloadIdentityStore { IsEnabled = enabled });
        services.AddSingleton(options.Identity);
        if (!enabled)
        {
            return;
        }

        if (source is not null)
        {
            services.AddSingleton(source);
        }
        else
        {
            // A factory registration, so the container disposes the channel on shutdown.
            services.AddSingleton<IWorkloadCertificateSource>(_ => new GrpcCertificateSource(options.Discovery, options.Identity));
        }

        services.AddSingleton<CertificateRotator>();
        services.AddHostedService(provider => provider.GetRequiredService<CertificateRotator>());
    }
}
