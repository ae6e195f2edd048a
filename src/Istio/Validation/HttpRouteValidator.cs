using Mesh.Istio.Loading;
using Mesh.Istio.Networking;

namespace Mesh.Istio.Validation;

/// <summary>Istio's validateHTTPRoute: action exclusivity (route, redirect, direct response, delegate), matches, and the route's policies.</summary>
internal static class HttpRouteValidator
{
    private static readonly uint[] RedirectCodes = [301, 302, 303, 307, 308];

    public static void Validate(HttpRoute http, bool inDelegate, string path, FieldProblems p)
    {
        Conflicts(http, inDelegate, path, p);
        for (var i = 0; i < http.Match.Count; i++)
        {
            Match(http.Match[i], http.Delegate is not null || inDelegate, FieldPaths.Index(FieldPaths.Field(path, "match"), i), p);
        }

        for (var i = 0; i < http.Route.Count; i++)
        {
            var item = FieldPaths.Index(FieldPaths.Field(path, "route"), i);
            VirtualServiceValidator.Destination(http.Route[i].Destination, FieldPaths.Field(item, "destination"), p);
            VirtualServiceValidator.Weight(http.Route[i].Weight, FieldPaths.Field(item, "weight"), p);
        }

        if (http.Delegate is { } target)
        {
            if (!IstioNameRules.IsDns1123Subdomain(target.Name))
            {
                p.Error(FieldPaths.Field(path, "delegate.name"), $"Invalid value: \"{target.Name}\": delegate name is required and must be a valid name");
            }

            if (target.Namespace is { } ns && !IstioNameRules.IsDns1123Label(ns))
            {
                p.Error(FieldPaths.Field(path, "delegate.namespace"), $"Invalid value: \"{ns}\": {IstioNameRules.Dns1123LabelMessage}");
            }
        }

        if (http.Redirect is { } redirect)
        {
            var redirectPath = FieldPaths.Field(path, "redirect");
            if (redirect.Uri is null && redirect.Authority is null && redirect.Scheme is null && redirect.Port is null && redirect.DerivePort is null)
            {
                p.Error(redirectPath, "Invalid value: redirect must specify URI, authority, scheme, or port");
            }

            if (redirect.RedirectCode is { } code && Array.IndexOf(RedirectCodes, code) < 0)
            {
                p.Error(FieldPaths.Field(redirectPath, "redirectCode"), $"Invalid value: {code}: {code} is not a valid redirect code, must be 301, 302, 303, 307, or 308");
            }

            CommonRules.Port(redirect.Port, FieldPaths.Field(redirectPath, "port"), p);
        }

        if (http.DirectResponse is { } direct && direct.Status is < 200 or > 599)
        {
            p.Error(FieldPaths.Field(path, "directResponse.status"), $"Invalid value: {direct.Status}: status must be in the range 200-599");
        }

        if (http.Rewrite is { } rewrite)
        {
            var rewritePath = FieldPaths.Field(path, "rewrite");
            if (rewrite.Uri is not null && rewrite.UriRegexRewrite is not null)
            {
                p.Error(rewritePath, "Invalid value: rewrite may only contain one of URI or UriRegexRewrite");
            }

            if (rewrite.UriRegexRewrite is { } regexRewrite)
            {
                CommonRules.Regex(regexRewrite.Match, FieldPaths.Field(rewritePath, "uriRegexRewrite.match"), p);
            }
        }

        CommonRules.Duration(http.Timeout, FieldPaths.Field(path, "timeout"), p);
        if (http.Retries is { } retries)
        {
            var retriesPath = FieldPaths.Field(path, "retries");
            if (retries.Attempts < 0)
            {
                p.Error(FieldPaths.Field(retriesPath, "attempts"), $"Invalid value: {retries.Attempts}: attempts cannot be negative");
            }

            CommonRules.Duration(retries.PerTryTimeout, FieldPaths.Field(retriesPath, "perTryTimeout"), p);
            CommonRules.Duration(retries.Backoff, FieldPaths.Field(retriesPath, "backoff"), p);
        }

        Fault(http.Fault, FieldPaths.Field(path, "fault"), p);
        if (http.Mirror is not null)
        {
            VirtualServiceValidator.Destination(http.Mirror, FieldPaths.Field(path, "mirror"), p);
        }

        for (var i = 0; i < http.Mirrors.Count; i++)
        {
            var item = FieldPaths.Index(FieldPaths.Field(path, "mirrors"), i);
            VirtualServiceValidator.Destination(http.Mirrors[i].Destination, FieldPaths.Field(item, "destination"), p);
            CommonRules.Percentage(http.Mirrors[i].Percentage?.Value, FieldPaths.Field(item, "percentage.value"), p);
        }

        if (http.MirrorPercent is > 100)
        {
            p.Error(FieldPaths.Field(path, "mirrorPercent"), $"Invalid value: {http.MirrorPercent}: mirror_percent must have a max value of 100");
        }

        CommonRules.Percentage(http.MirrorPercentage?.Value, FieldPaths.Field(path, "mirrorPercentage.value"), p);
        if (http.CorsPolicy is { } cors)
        {
            for (var i = 0; i < cors.AllowOrigins.Count; i++)
            {
                CommonRules.StringMatch(cors.AllowOrigins[i], FieldPaths.Index(FieldPaths.Field(path, "corsPolicy.allowOrigins"), i), p);
            }

            CommonRules.Duration(cors.MaxAge, FieldPaths.Field(path, "corsPolicy.maxAge"), p);
        }
    }

    private static void Conflicts(HttpRoute http, bool inDelegate, string path, FieldProblems p)
    {
        if (http.Delegate is not null)
        {
            if (inDelegate)
            {
                p.Error(FieldPaths.Field(path, "delegate"), "Invalid value: delegate HTTP route cannot contain delegate");
            }

            if (http.Redirect is not null || http.Route.Count > 0 || http.DirectResponse is not null)
            {
                p.Error(path, $"Invalid value: root HTTP route {http.Name} must not specify route, redirect or directResponse with delegate");
            }

            return;
        }

        var actions = (http.Route.Count > 0 ? 1 : 0) + (http.Redirect is null ? 0 : 1) + (http.DirectResponse is null ? 0 : 1);
        if (actions == 0)
        {
            p.Error(path, "Required value: HTTP route, redirect or direct_response is required");
        }
        else if (actions > 1)
        {
            p.Error(path, "Invalid value: HTTP route cannot contain more than one of route, redirect or direct_response");
        }

        if (http.Redirect is not null || http.DirectResponse is not null)
        {
            if (http.Fault is not null)
            {
                p.Error(FieldPaths.Field(path, "fault"), "Invalid value: HTTP route cannot contain both fault and redirect or direct_response");
            }

            if (http.Rewrite is not null)
            {
                p.Error(FieldPaths.Field(path, "rewrite"), "Invalid value: HTTP route rule cannot contain both rewrite and redirect or direct_response");
            }
        }
    }

    private static void Match(HttpMatchRequest match, bool delegating, string path, FieldProblems p)
    {
        StringMatchField(match.Uri, "uri", delegating, path, p);
        StringMatchField(match.Scheme, "scheme", delegating, path, p);
        StringMatchField(match.Method, "method", delegating, path, p);
        StringMatchField(match.Authority, "authority", delegating, path, p);
        StringMatchMap(match.Headers, "headers", delegating, path, p);
        StringMatchMap(match.QueryParams, "queryParams", delegating, path, p);
        StringMatchMap(match.WithoutHeaders, "withoutHeaders", delegating, path, p);
        CommonRules.Port(match.Port, FieldPaths.Field(path, "port"), p);
        CommonRules.Labels(match.SourceLabels, FieldPaths.Field(path, "sourceLabels"), p);
        for (var i = 0; i < match.Gateways.Count; i++)
        {
            VirtualServiceValidator.GatewayName(match.Gateways[i], FieldPaths.Index(FieldPaths.Field(path, "gateways"), i), p);
        }

        if (match.SourceNamespace is { } ns && !IstioNameRules.IsDns1123Label(ns))
        {
            p.Error(FieldPaths.Field(path, "sourceNamespace"), $"Invalid value: \"{ns}\": sourceNamespace match {ns} is invalid");
        }
    }

    private static void StringMatchField(StringMatch? match, string field, bool delegating, string path, FieldProblems p)
    {
        var fieldPath = FieldPaths.Field(path, field);
        if (delegating && match is { Type: StringMatchType.Regex })
        {
            p.Error(fieldPath, $"Invalid value: {field} match does not support regex match for delegating");
        }

        CommonRules.StringMatch(match, fieldPath, p);
    }

    private static void StringMatchMap(IReadOnlyDictionary<string, StringMatch> matches, string field, bool delegating, string path, FieldProblems p)
    {
        foreach (var (name, match) in matches)
        {
            var entry = FieldPaths.Key(FieldPaths.Field(path, field), name);
            if (name.Length == 0)
            {
                p.Error(entry, "Required value: header name cannot be empty");
            }

            if (delegating && match.Type == StringMatchType.Regex)
            {
                p.Error(entry, $"Invalid value: {field} match {name} does not support regex match for delegating");
            }

            CommonRules.StringMatch(match, entry, p);
        }
    }

    private static void Fault(HttpFaultInjection? fault, string path, FieldProblems p)
    {
        if (fault is null)
        {
            return;
        }

        if (fault.Abort is null && fault.Delay is null)
        {
            p.Error(path, "Invalid value: HTTP fault injection must have an abort and/or a delay");
        }

        if (fault.Delay is { } delay)
        {
            var delayPath = FieldPaths.Field(path, "delay");
            if (delay.FixedDelay is null && delay.ExponentialDelay is null)
            {
                p.Error(delayPath, "Required value: delay must specify fixedDelay or exponentialDelay");
            }

            CommonRules.Duration(delay.FixedDelay, FieldPaths.Field(delayPath, "fixedDelay"), p);
            CommonRules.Duration(delay.ExponentialDelay, FieldPaths.Field(delayPath, "exponentialDelay"), p);
            if (delay.ExponentialDelay is not null && delay.FixedDelay is null)
            {
                // Istio's pilot drops it too ("Exponential faults are not yet supported").
                p.Warning(FieldPaths.Field(delayPath, "exponentialDelay"), "has no effect in this mesh (nor in Istio): no delay is injected; use fixedDelay");
            }
            CommonRules.Percentage(delay.Percentage?.Value, FieldPaths.Field(delayPath, "percentage.value"), p);
            CommonRules.Percentage(delay.Percent, FieldPaths.Field(delayPath, "percent"), p);
        }

        if (fault.Abort is { } abort)
        {
            var abortPath = FieldPaths.Field(path, "abort");
            if (abort.HttpStatus is { } status && status is < 200 or > 599)
            {
                p.Error(FieldPaths.Field(abortPath, "httpStatus"), $"Invalid value: {status}: invalid abort http status {status}");
            }

            if (abort.HttpStatus is null && abort.GrpcStatus is null && abort.Http2Error is null)
            {
                p.Error(abortPath, "Required value: abort must specify httpStatus, grpcStatus or http2Error");
            }

            if (abort.GrpcStatus is { } grpcStatus && abort.HttpStatus is null && !GrpcStatusCodes.ByName.ContainsKey(grpcStatus))
            {
                p.Error(FieldPaths.Field(abortPath, "grpcStatus"), $"Invalid value: \"{grpcStatus}\": invalid abort grpc status; supported values: {string.Join(", ", GrpcStatusCodes.ByName.Keys)}");
            }

            if (abort.Http2Error is not null && abort.HttpStatus is null && abort.GrpcStatus is null)
            {
                // Istio's pilot drops it too ("Only HTTP and gRPC type abort faults are supported").
                p.Warning(FieldPaths.Field(abortPath, "http2Error"), "has no effect in this mesh (nor in Istio): no request is aborted; use httpStatus or grpcStatus");
            }

            CommonRules.Percentage(abort.Percentage?.Value, FieldPaths.Field(abortPath, "percentage.value"), p);
        }
    }
}
