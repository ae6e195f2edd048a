using Mesh.Istio.Networking;
using Mesh.Istio.Security;

namespace Mesh.Istio.Loading;

/// <summary>Maps YAML nodes of VirtualService fields onto the model, one method per Istio message; the reader records type errors and unknown fields.</summary>
internal static class VirtualServiceParser
{
    internal static VirtualServiceSpec ParseVirtualServiceSpec(YamlMappingReader r) => new()
    {
        Hosts = r.Strings("hosts"),
        Gateways = r.Strings("gateways"),
        Http = r.List("http", ParseHttpRoute),
        Tls = r.List("tls", ParseTlsRoute),
        Tcp = r.List("tcp", ParseTcpRoute),
        ExportTo = r.Strings("exportTo"),
    };

    internal static HttpRoute ParseHttpRoute(YamlMappingReader r) => new()
    {
        Name = r.String("name"),
        Match = r.List("match", ParseHttpMatchRequest),
        Route = r.List("route", ParseHttpRouteDestination),
        Redirect = r.Object("redirect", ParseHttpRedirect),
        DirectResponse = r.Object("directResponse", ParseHttpDirectResponse),
        Delegate = r.Object("delegate", ParseRouteDelegate),
        Rewrite = r.Object("rewrite", ParseHttpRewrite),
        Timeout = r.Duration("timeout"),
        Retries = r.Object("retries", ParseHttpRetry),
        Fault = r.Object("fault", ParseHttpFaultInjection),
        Mirror = r.Object("mirror", ParseDestination),
        Mirrors = r.List("mirrors", ParseHttpMirrorPolicy),
        MirrorPercent = r.UInt32("mirrorPercent"),
        MirrorPercentage = r.Object("mirrorPercentage", ParsePercent),
        CorsPolicy = r.Object("corsPolicy", ParseCorsPolicy),
        Headers = r.Object("headers", ParseHeaders),
    };

    internal static HttpMatchRequest ParseHttpMatchRequest(YamlMappingReader r) => new()
    {
        Name = r.String("name"),
        Uri = r.Object("uri", StringMatchParser.Parse),
        Scheme = r.Object("scheme", StringMatchParser.Parse),
        Method = r.Object("method", StringMatchParser.Parse),
        Authority = r.Object("authority", StringMatchParser.Parse),
        Headers = r.Map("headers", StringMatchParser.Parse),
        Port = r.UInt32("port"),
        SourceLabels = r.StringMap("sourceLabels"),
        Gateways = r.Strings("gateways"),
        QueryParams = r.Map("queryParams", StringMatchParser.Parse),
        IgnoreUriCase = r.Bool("ignoreUriCase") ?? false,
        WithoutHeaders = r.Map("withoutHeaders", StringMatchParser.Parse),
        SourceNamespace = r.String("sourceNamespace"),
        StatPrefix = r.String("statPrefix"),
    };

    internal static HttpRouteDestination ParseHttpRouteDestination(YamlMappingReader r) => new()
    {
        Destination = r.Object("destination", ParseDestination),
        Weight = r.Int32("weight") ?? 0,
        Headers = r.Object("headers", ParseHeaders),
    };

    internal static RouteDestination ParseRouteDestination(YamlMappingReader r) => new()
    {
        Destination = r.Object("destination", ParseDestination),
        Weight = r.Int32("weight") ?? 0,
    };

    internal static Destination ParseDestination(YamlMappingReader r) => new()
    {
        Host = r.String("host") ?? "",
        Subset = r.String("subset"),
        Port = r.Object("port", ParsePortSelector),
    };

    internal static PortSelector ParsePortSelector(YamlMappingReader r) => new()
    {
        Number = r.UInt32("number"),
    };

    internal static Headers ParseHeaders(YamlMappingReader r) => new()
    {
        Request = r.Object("request", ParseHeaderOperations),
        Response = r.Object("response", ParseHeaderOperations),
    };

    internal static HeaderOperations ParseHeaderOperations(YamlMappingReader r) => new()
    {
        Set = r.StringMap("set"),
        Add = r.StringMap("add"),
        Remove = r.Strings("remove"),
    };

    internal static HttpRedirect ParseHttpRedirect(YamlMappingReader r) => new()
    {
        Uri = r.String("uri"),
        Authority = r.String("authority"),
        Port = r.UInt32("port"),
        DerivePort = r.Enum("derivePort", IstioEnumNames.ParseRedirectPortSelection, IstioEnumNames.RedirectPortSelectionValues),
        Scheme = r.String("scheme"),
        RedirectCode = r.UInt32("redirectCode"),
    };

    internal static HttpDirectResponse ParseHttpDirectResponse(YamlMappingReader r) => new()
    {
        Status = r.UInt32("status") ?? 0,
        Body = r.Object("body", ParseHttpBody),
    };

    internal static HttpBody ParseHttpBody(YamlMappingReader r) => new()
    {
        String = r.String("string"),
        Bytes = r.String("bytes"),
    };

    internal static RouteDelegate ParseRouteDelegate(YamlMappingReader r) => new()
    {
        Name = r.String("name") ?? "",
        Namespace = r.String("namespace"),
    };

    internal static HttpRewrite ParseHttpRewrite(YamlMappingReader r) => new()
    {
        Uri = r.String("uri"),
        Authority = r.String("authority"),
        UriRegexRewrite = r.Object("uriRegexRewrite", ParseRegexRewrite),
    };

    internal static RegexRewrite ParseRegexRewrite(YamlMappingReader r) => new()
    {
        Match = r.String("match") ?? "",
        Rewrite = r.String("rewrite") ?? "",
    };

    internal static HttpRetry ParseHttpRetry(YamlMappingReader r) => new()
    {
        Attempts = r.Int32("attempts"),
        PerTryTimeout = r.Duration("perTryTimeout"),
        RetryOn = r.String("retryOn"),
        RetryRemoteLocalities = r.Bool("retryRemoteLocalities"),
        RetryIgnorePreviousHosts = r.Bool("retryIgnorePreviousHosts"),
        Backoff = r.Duration("backoff"),
    };

    internal static HttpFaultInjection ParseHttpFaultInjection(YamlMappingReader r) => new()
    {
        Delay = r.Object("delay", ParseFaultDelay),
        Abort = r.Object("abort", ParseFaultAbort),
    };

    internal static FaultDelay ParseFaultDelay(YamlMappingReader r) => new()
    {
        FixedDelay = r.Duration("fixedDelay"),
        ExponentialDelay = r.Duration("exponentialDelay"),
        Percentage = r.Object("percentage", ParsePercent),
        Percent = r.Int32("percent"),
    };

    internal static FaultAbort ParseFaultAbort(YamlMappingReader r) => new()
    {
        HttpStatus = r.Int32("httpStatus"),
        GrpcStatus = r.String("grpcStatus"),
        Http2Error = r.String("http2Error"),
        Percentage = r.Object("percentage", ParsePercent),
    };

    internal static Percent ParsePercent(YamlMappingReader r) => new()
    {
        Value = r.Double("value") ?? 0,
    };

    internal static HttpMirrorPolicy ParseHttpMirrorPolicy(YamlMappingReader r) => new()
    {
        Destination = r.Object("destination", ParseDestination),
        Percentage = r.Object("percentage", ParsePercent),
    };

    internal static CorsPolicy ParseCorsPolicy(YamlMappingReader r) => new()
    {
        AllowOrigins = r.List("allowOrigins", StringMatchParser.Parse),
        AllowOrigin = r.Strings("allowOrigin"),
        AllowMethods = r.Strings("allowMethods"),
        AllowHeaders = r.Strings("allowHeaders"),
        ExposeHeaders = r.Strings("exposeHeaders"),
        MaxAge = r.Duration("maxAge"),
        AllowCredentials = r.Bool("allowCredentials"),
        UnmatchedPreflights = r.Enum("unmatchedPreflights", IstioEnumNames.ParseUnmatchedPreflights, IstioEnumNames.UnmatchedPreflightsValues),
    };

    internal static TlsRoute ParseTlsRoute(YamlMappingReader r) => new()
    {
        Match = r.List("match", ParseTlsMatchAttributes),
        Route = r.List("route", ParseRouteDestination),
    };

    internal static TlsMatchAttributes ParseTlsMatchAttributes(YamlMappingReader r) => new()
    {
        SniHosts = r.Strings("sniHosts"),
        DestinationSubnets = r.Strings("destinationSubnets"),
        Port = r.UInt32("port"),
        SourceLabels = r.StringMap("sourceLabels"),
        Gateways = r.Strings("gateways"),
        SourceNamespace = r.String("sourceNamespace"),
    };

    internal static TcpRoute ParseTcpRoute(YamlMappingReader r) => new()
    {
        Match = r.List("match", ParseL4MatchAttributes),
        Route = r.List("route", ParseRouteDestination),
    };

    internal static L4MatchAttributes ParseL4MatchAttributes(YamlMappingReader r) => new()
    {
        DestinationSubnets = r.Strings("destinationSubnets"),
        Port = r.UInt32("port"),
        SourceSubnet = r.String("sourceSubnet"),
        SourceLabels = r.StringMap("sourceLabels"),
        Gateways = r.Strings("gateways"),
        SourceNamespace = r.String("sourceNamespace"),
    };
}
