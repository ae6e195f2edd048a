using Mesh.Contracts.Discovery;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Istio's HTTPRoute.fault as its pilot translates it (route.TranslateFault): a fixed delay and an HTTP or gRPC abort,
/// each on a share of requests; a share left unset is none (Envoy's fault filter reads an unset percentage as 0%).
/// exponentialDelay and http2Error are not supported by Istio either: the validator warns, and they inject nothing.
/// </summary>
internal static class FaultTranslator
{
    /// <summary>Null when the route injects nothing.</summary>
    public static FaultInjection? Translate(HttpFaultInjection? fault)
    {
        if (fault is null) return null;
        var result = new FaultInjection();
        if (fault.Delay is { FixedDelay: { } delay } delaySpec)
        {
            result.DelayMs = RetryPolicyTranslator.ToMilliseconds(delay);
            // The deprecated integer percent counts only when percentage is unset, as in Istio.
            result.DelayPercent = delaySpec.Percentage?.Value ?? delaySpec.Percent ?? 0;
        }

        if (fault.Abort is { } abort)
        {
            if (abort.HttpStatus is { } status)
            {
                result.AbortHttpStatus = (uint)status;
                result.AbortPercent = abort.Percentage?.Value ?? 0;
            }
            else if (abort.GrpcStatus is { } name && GrpcStatusCodes.ByName.TryGetValue(name, out var code))
            {
                result.AbortGrpc = true;
                result.AbortGrpcStatus = code;
                result.AbortPercent = abort.Percentage?.Value ?? 0;
            }
        }

        return result.DelayMs > 0 && result.DelayPercent > 0 || result.AbortPercent > 0 ? result : null;
    }
}
