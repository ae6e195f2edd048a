using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Proxy.Pod;

/// <summary>Registers the status and readiness ports when the command line asks for either.</summary>
internal static class StatusServices
{
    /// <summary>Call before the identity is registered: hosted services start in order, and the first certificate may take a while.</summary>
    public static void Add(IServiceCollection services, ProxyOptions options)
    {
        if (!options.Status.Enabled)
        {
            return;
        }

        services.AddSingleton<AppProber>();
        services.AddSingleton<MetricsMerger>();
        services.AddSingleton<StatusApplication>();
        services.AddSingleton<StatusServer>();
        services.AddHostedService(provider => provider.GetRequiredService<StatusServer>());
    }
}
