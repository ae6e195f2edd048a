using System.Text.Json;

namespace Mesh.SampleApp;

/// <summary>
/// Answers every request: fails on schedule, calls the upstreams with the propagated headers, replies JSON. A
/// WebSocket upgrade is echoed instead (<see cref="WebSocketEcho"/>).
/// </summary>
internal sealed class SampleHandler(SampleAppOptions options, HttpClient upstreamClient, FailureSchedule failures)
{
    public async Task HandleAsync(HttpContext context)
    {
        if (context.WebSockets.IsWebSocketRequest)
        {
            await WebSocketEcho.RunAsync(context);
            return;
        }

        var seen = CollectHeaders(context.Request.Headers);
        var self = $"{options.Service}-{options.Version}";
        if (failures.NextFails())
        {
            await ReplyAsync(context, StatusCodes.Status503ServiceUnavailable,
                new SampleReply(options.Service, options.Version, options.Namespace, [self], seen, [], "injected failure (--fail-percent)"));
            return;
        }

        var upstreams = new List<UpstreamReply>(options.Upstreams.Count);
        var chain = new List<string> { self };
        var failed = false;
        foreach (var upstream in options.Upstreams)
        {
            var result = await CallAsync(upstream, context.Request.Headers, context.RequestAborted);
            upstreams.Add(result);
            if (result.Reply is not null)
            {
                chain.AddRange(result.Reply.Chain);
            }

            failed |= result.Status is < 200 or >= 300;
        }

        await ReplyAsync(context, failed ? StatusCodes.Status502BadGateway : StatusCodes.Status200OK,
            new SampleReply(options.Service, options.Version, options.Namespace, chain, seen, upstreams, failed ? "an upstream call failed" : null));
    }

    private async Task<UpstreamReply> CallAsync(Uri upstream, IHeaderDictionary inbound, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, upstream);
        foreach (var name in PropagatedHeaders.Names)
        {
            if (inbound.TryGetValue(name, out var values))
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        try
        {
            using var response = await upstreamClient.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return new UpstreamReply(upstream.ToString(), (int)response.StatusCode, TryParse(body), null);
        }
        catch (HttpRequestException e)
        {
            return new UpstreamReply(upstream.ToString(), 0, null, e.Message);
        }
    }

    private static SampleReply? TryParse(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, SampleJsonContext.Default.SampleReply);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Dictionary<string, string> CollectHeaders(IHeaderDictionary headers)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in PropagatedHeaders.Names)
        {
            if (headers.TryGetValue(name, out var value))
            {
                seen[name] = value.ToString();
            }
        }

        if (headers.TryGetValue("x-envoy-attempt-count", out var attempts))
        {
            seen["x-envoy-attempt-count"] = attempts.ToString();
        }

        return seen;
    }

    private static Task ReplyAsync(HttpContext context, int status, SampleReply reply)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, reply, SampleJsonContext.Default.SampleReply, context.RequestAborted);
    }
}
