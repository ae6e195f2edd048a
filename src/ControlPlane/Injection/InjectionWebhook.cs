using Mesh.Injection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Injection;

/// <summary>
/// The sidecar-injection webhook's HTTP side: POST <c>/inject</c> (and Istio's <c>/inject/</c> and
/// <c>/inject/cluster/&lt;id&gt;/…</c> forms) handed to <see cref="AdmissionHandler"/>. The webhook listener (TLS on
/// 15017) calls <see cref="Map"/>; one log line per review.
/// </summary>
internal static class InjectionWebhook
{
    public static void Map(IEndpointRouteBuilder endpoints, Func<SidecarInjector> injector, Func<ProxyConfigSet> proxyConfigs, ILogger logger)
    {
        var handler = new AdmissionHandler(injector, proxyConfigs);
        RequestDelegate serve = context => ServeAsync(context, handler, logger);
        endpoints.MapPost("/inject", serve);
        endpoints.MapPost("/inject/{**parameters}", serve);
    }

    private static async Task ServeAsync(HttpContext context, AdmissionHandler handler, ILogger logger)
    {
        var body = await ReadBodyAsync(context.Request, context.RequestAborted);
        AdmissionOutcome outcome;
        if (body is null)
        {
            outcome = new AdmissionOutcome(400, "text/plain; charset=utf-8", "request body too large\n"u8.ToArray(), AdmissionResult.BadRequest, "",
                $"request body over {AdmissionHandler.MaxBodyBytes} bytes", []);
        }
        else
        {
            outcome = handler.Handle(body, context.Request.ContentType, context.Request.Path.Value ?? "/inject");
        }

        switch (outcome.Result)
        {
            case AdmissionResult.Injected:
                InjectionWebhookLog.Injected(logger, outcome.Pod, outcome.Warnings.Count);
                break;
            case AdmissionResult.Skipped:
                InjectionWebhookLog.Skipped(logger, outcome.Pod, outcome.Detail);
                break;
            case AdmissionResult.Refused:
                InjectionWebhookLog.Refused(logger, outcome.Pod.Length == 0 ? "(unknown pod)" : outcome.Pod, outcome.Detail);
                break;
            default:
                InjectionWebhookLog.BadRequest(logger, outcome.StatusCode, outcome.Detail);
                break;
        }

        foreach (var warning in outcome.Warnings)
        {
            InjectionWebhookLog.Warning(logger, outcome.Pod, warning);
        }

        context.Response.StatusCode = outcome.StatusCode;
        context.Response.ContentType = outcome.ContentType;
        await context.Response.Body.WriteAsync(outcome.Body, context.RequestAborted);
    }

    /// <summary>The whole body, or null when it is over the limit (hostile input is bounded).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellation)
    {
        if (request.ContentLength > AdmissionHandler.MaxBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellation)) > 0)
        {
            if (buffer.Length + read > AdmissionHandler.MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
