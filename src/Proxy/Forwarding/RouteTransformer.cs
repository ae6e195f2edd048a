using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;
using Mesh.Proxy.Observability;

namespace Mesh.Proxy.Forwarding;

/// <summary>
/// Shapes each attempt's upstream request and downstream response from the chosen route: rewrites, header operations,
/// x-envoy-attempt-count, and withholding a retriable response so that it never reaches the client. An accepted
/// upgrade disarms the route's timeouts (<see cref="ProxyRequestFeature.DisarmTimeouts"/>).
/// </summary>
internal sealed class RouteTransformer : HttpTransformer
{
    public const string AttemptCountHeader = "x-envoy-attempt-count";

    private static readonly string[] AttemptTexts = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var feature = httpContext.Features.Get<ProxyRequestFeature>()!;
        var route = feature.Route!;
        var action = route.Forward!;

        if (action.RewritesPath)
        {
            var path = PathRewriter.Rewrite(RouteMatchModel.PathOf(httpContext.Request), route.Match.Path, action);
            proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, new PathString(path), httpContext.Request.QueryString);
        }

        if (action.HostRewrite is not null)
        {
            proxyRequest.Headers.Host = action.HostRewrite;
        }

        // Envoy's order: the destination's operations first, the route's last (so the route's win).
        feature.Backend!.RequestHeaders.ApplyTo(proxyRequest);
        route.RequestHeaders.ApplyTo(proxyRequest);
        if (action.IncludeAttemptCount)
        {
            proxyRequest.Headers.Remove(AttemptCountHeader);
            proxyRequest.Headers.TryAddWithoutValidation(AttemptCountHeader, AttemptText(feature.Attempts));
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var feature = httpContext.Features.Get<ProxyRequestFeature>()!;
        if (proxyResponse is null)
        {
            return await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        }

        var retry = feature.Route!.Forward!.Retry;
        var retriable = retry.RetriesStatus((int)proxyResponse.StatusCode) || RetriesGrpcStatus(retry, proxyResponse);
        if (retriable && feature.MayRetry)
        {
            // A body kept for replay is claimed for the retry; one that outgrew what is kept cannot be sent again.
            if (httpContext.Request.Body is not ReplayableRequestBody body || body.TryHoldForReplay())
            {
                feature.ResponseWithheld = true;
                return false;
            }

            // The body went upstream past what could be replayed: this response is the answer.
            feature.RetryAbandoned = true;
        }

        if (retriable && feature.Attempts > 1)
        {
            feature.Flags |= ResponseFlags.UpstreamRetryLimitExceeded;
        }

        if (IsUpgradeAccepted(proxyResponse))
        {
            feature.DisarmTimeouts();
        }

        var copyBody = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var headers = httpContext.Response.Headers;
        feature.Backend!.ResponseHeaders.ApplyTo(headers);
        feature.Route.ResponseHeaders.ApplyTo(headers);
        if (feature.Route.Forward.IncludeAttemptCount)
        {
            headers[AttemptCountHeader] = AttemptText(feature.Attempts);
        }

        if (feature.HashCookie is { } cookie)
        {
            // Envoy adds the consistent-hash cookie it generated to the upstream's response.
            headers.Append(Microsoft.Net.Http.Headers.HeaderNames.SetCookie, cookie);
        }

        return copyBody;
    }

    public static string AttemptText(int attempts) => attempts < AttemptTexts.Length ? AttemptTexts[attempts] : attempts.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // YARP's test for an upgraded response: 101 to an HTTP/1.1 upgrade, or 200 to an HTTP/2 extended CONNECT (RFC 8441).
    private static bool IsUpgradeAccepted(HttpResponseMessage response) =>
        response.StatusCode == System.Net.HttpStatusCode.SwitchingProtocols
        || (response.StatusCode == System.Net.HttpStatusCode.OK && response.RequestMessage is { } request
            && request.Method == HttpMethod.Connect && request.Headers.Protocol is not null);

    // A trailers-only gRPC response carries its status in the headers; a status in real trailers comes too late to retry.
    private static bool RetriesGrpcStatus(RetryPolicyModel retry, HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("grpc-status", out var values))
        {
            return false;
        }

        foreach (var value in values)
        {
            return int.TryParse(value, out var status) && retry.RetriesGrpcStatus(status);
        }

        return false;
    }
}
