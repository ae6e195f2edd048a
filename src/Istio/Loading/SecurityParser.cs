using Mesh.Istio.Networking;
using Mesh.Istio.Security;

namespace Mesh.Istio.Loading;

/// <summary>Maps YAML nodes of Security fields onto the model, one method per Istio message; the reader records type errors and unknown fields.</summary>
internal static class SecurityParser
{
    internal static PeerAuthenticationSpec ParsePeerAuthenticationSpec(YamlMappingReader r) => new()
    {
        Selector = r.Object("selector", ParseLabelSelector),
        Mtls = r.Object("mtls", ParseMutualTls),
        PortLevelMtls = r.PortMap("portLevelMtls", ParseMutualTls),
    };

    internal static MutualTls ParseMutualTls(YamlMappingReader r) => new()
    {
        Mode = r.Enum("mode", IstioEnumNames.ParseMutualTlsMode, IstioEnumNames.MutualTlsModeValues),
    };

    internal static AuthorizationPolicySpec ParseAuthorizationPolicySpec(YamlMappingReader r) => new()
    {
        Selector = r.Object("selector", ParseLabelSelector),
        TargetRef = r.Object("targetRef", ParsePolicyTargetReference),
        TargetRefs = r.List("targetRefs", ParsePolicyTargetReference),
        Rules = r.List("rules", ParseRule),
        Action = r.Enum("action", IstioEnumNames.ParseAuthorizationPolicyAction, IstioEnumNames.AuthorizationPolicyActionValues),
        Provider = r.Object("provider", ParseExtensionProvider),
    };

    internal static RequestAuthenticationSpec ParseRequestAuthenticationSpec(YamlMappingReader r) => new()
    {
        Selector = r.Object("selector", ParseLabelSelector),
        TargetRef = r.Object("targetRef", ParsePolicyTargetReference),
        TargetRefs = r.List("targetRefs", ParsePolicyTargetReference),
        JwtRules = r.List("jwtRules", ParseJwtRule),
    };

    internal static JwtRule ParseJwtRule(YamlMappingReader r) => new()
    {
        Issuer = r.String("issuer") ?? "",
        Audiences = r.Strings("audiences"),
        JwksUri = r.String("jwksUri") ?? "",
        Jwks = r.String("jwks") ?? "",
        FromHeaders = r.List("fromHeaders", ParseJwtHeader),
        FromParams = r.Strings("fromParams"),
        FromCookies = r.Strings("fromCookies"),
        OutputPayloadToHeader = r.String("outputPayloadToHeader") ?? "",
        ForwardOriginalToken = r.Bool("forwardOriginalToken"),
        OutputClaimToHeaders = r.List("outputClaimToHeaders", ParseClaimToHeader),
        Timeout = r.Duration("timeout"),
    };

    internal static JwtHeader ParseJwtHeader(YamlMappingReader r) => new()
    {
        Name = r.String("name") ?? "",
        Prefix = r.String("prefix") ?? "",
    };

    internal static ClaimToHeader ParseClaimToHeader(YamlMappingReader r) => new()
    {
        Header = r.String("header") ?? "",
        Claim = r.String("claim") ?? "",
    };

    internal static Rule ParseRule(YamlMappingReader r) => new()
    {
        From = r.List("from", ParseRuleFrom),
        To = r.List("to", ParseRuleTo),
        When = r.List("when", ParseCondition),
    };

    internal static RuleFrom ParseRuleFrom(YamlMappingReader r) => new()
    {
        Source = r.Object("source", ParseSource),
    };

    internal static RuleTo ParseRuleTo(YamlMappingReader r) => new()
    {
        Operation = r.Object("operation", ParseOperation),
    };

    internal static Source ParseSource(YamlMappingReader r) => new()
    {
        Principals = r.Strings("principals"),
        NotPrincipals = r.Strings("notPrincipals"),
        RequestPrincipals = r.Strings("requestPrincipals"),
        NotRequestPrincipals = r.Strings("notRequestPrincipals"),
        Namespaces = r.Strings("namespaces"),
        NotNamespaces = r.Strings("notNamespaces"),
        ServiceAccounts = r.Strings("serviceAccounts"),
        NotServiceAccounts = r.Strings("notServiceAccounts"),
        IpBlocks = r.Strings("ipBlocks"),
        NotIpBlocks = r.Strings("notIpBlocks"),
        RemoteIpBlocks = r.Strings("remoteIpBlocks"),
        NotRemoteIpBlocks = r.Strings("notRemoteIpBlocks"),
        TrustDomains = r.Strings("trustDomains"),
        NotTrustDomains = r.Strings("notTrustDomains"),
    };

    internal static Operation ParseOperation(YamlMappingReader r) => new()
    {
        Hosts = r.Strings("hosts"),
        NotHosts = r.Strings("notHosts"),
        Ports = r.Strings("ports"),
        NotPorts = r.Strings("notPorts"),
        Methods = r.Strings("methods"),
        NotMethods = r.Strings("notMethods"),
        Paths = r.Strings("paths"),
        NotPaths = r.Strings("notPaths"),
    };

    internal static Condition ParseCondition(YamlMappingReader r) => new()
    {
        Key = r.String("key") ?? "",
        Values = r.Strings("values"),
        NotValues = r.Strings("notValues"),
    };

    internal static ExtensionProvider ParseExtensionProvider(YamlMappingReader r) => new()
    {
        Name = r.String("name") ?? "",
    };

    internal static LabelSelector ParseLabelSelector(YamlMappingReader r) => new()
    {
        MatchLabels = r.StringMap("matchLabels"),
    };

    internal static PolicyTargetReference ParsePolicyTargetReference(YamlMappingReader r) => new()
    {
        Group = r.String("group"),
        Kind = r.String("kind") ?? "",
        Name = r.String("name") ?? "",
        Namespace = r.String("namespace"),
    };
}
