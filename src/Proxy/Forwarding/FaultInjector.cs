using System.Text;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Forwarding;

/// <summary>
/// A route's fault injection, as Envoy's fault filter applies it before the router: first the delay on its share of
/// requests, then the abort on its share. An abort is answered here and never forwarded nor retried; a gRPC abort is
/// a trailers-only response (200, the grpc-status in the headers).
/// </summary>
internal static class FaultInjector
{
    private static readonly byte[] AbortBody = Encoding.ASCII.GetBytes("fault filter abort");

    /// <summary>True when the request was aborted (answered); false when it goes on to be forwarded.</summary>
    public static async ValueTask<bool> ApplyAsync(HttpContext context, ProxyRequestFeature feature, FaultModel fault, Random random, TimeProvider time)
    {
        if (fault.Delay > TimeSpan.Zero && Applies(fault.DelayPercent, random))
        {
            feature.Flags |= ResponseFlags.DelayInjected;
            await Task.Delay(fault.Delay, time, context.RequestAborted);
        }

        if (!Applies(fault.AbortPercent, random))
        {
            return false;
        }

        feature.Flags |= ResponseFlags.FaultInjected;
        feature.ResponseCodeDetails = "fault_filter_abort";
        if (fault.AbortGrpcStatus is { } grpcStatus)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = grpcStatus;
            context.Response.Headers["grpc-message"] = "fault filter abort";
            return true;
        }

        await LocalReply.WriteAsync(context, fault.AbortHttpStatus, AbortBody);
        return true;
    }

    // 100 always applies and 0 never, whatever the random draw.
    private static bool Applies(double percent, Random random) => percent >= 100 || percent > 0 && random.NextDouble() * 100 < percent;
}
