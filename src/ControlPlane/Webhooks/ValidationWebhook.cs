using Mesh.Istio;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Webhooks;

/// <summary>
/// <c>/validate</c>, the validating admission webhook for Istio's config kinds, with istiod's HTTP rules: an empty body
/// is 400, a Content-Type other than application/json is 415, anything else gets an AdmissionReview back.
/// </summary>
internal static class ValidationWebhook
{
    public static void Map(IEndpointRouteBuilder endpoints, ConfigInputLimits limits, ILogger logger)
    {
        // Any method, as istiod's mux: what matters is the body. (Routing matches "/validate/" here too, as istiod does.)
        endpoints.Map("/validate", context => HandleAsync(context, limits, logger));
    }

    private static async Task HandleAsync(HttpContext context, ConfigInputLimits limits, ILogger logger)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        if (body.Length == 0)
        {
            await RefuseAsync(context, logger, StatusCodes.Status400BadRequest, "no body found");
            return;
        }

        // istiod wants the header to be exactly application/json (what the API server sends); a charset parameter is let through.
        if (!System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType) || mediaType.MediaType != "application/json")
        {
            await RefuseAsync(context, logger, StatusCodes.Status415UnsupportedMediaType, "invalid Content-Type, want `application/json`");
            return;
        }

        byte[] answer;
        var review = AdmissionReview.Parse(body.GetBuffer().AsMemory(0, (int)body.Length), out var error);
        if (review is null)
        {
            answer = AdmissionReview.Answer("admission.k8s.io/v1", "", false, error, []);
        }
        else
        {
            var decision = ConfigAdmission.Decide(review, limits);
            if (!decision.Allowed) WebhookLog.Refused(logger, review.Operation, review.Kind, review.Namespace, review.Name, decision.Message!);
            else if (decision.Warnings.Count > 0) WebhookLog.AllowedWithWarnings(logger, review.Operation, review.Kind, review.Namespace, review.Name, decision.Warnings.Count);
            answer = review.Answer(decision.Allowed, decision.Message, decision.Warnings);
        }

        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(answer, context.RequestAborted);
    }

    private static Task RefuseAsync(HttpContext context, ILogger logger, int status, string reason)
    {
        WebhookLog.BadRequest(logger, context.Request.Path, context.Connection.RemoteIpAddress?.ToString() ?? "?", status, reason);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(reason + "\n", context.RequestAborted);
    }
}
