using Mesh.Istio;
using Mesh.Istio.Security;

namespace Mesh.ControlPlane.Tests.Istio;

/// <summary>RequestAuthentication through the loader: every JWTRule field read, and Istio's validation rules with field paths.</summary>
public sealed class RequestAuthenticationLoaderTests
{
    private const string Full = """
        apiVersion: security.istio.io/v1
        kind: RequestAuthentication
        metadata: { name: jwt, namespace: foo }
        spec:
          selector: { matchLabels: { app: httpbin } }
          jwtRules:
          - issuer: https://issuer.example.com
            audiences: [orders, billing]
            jwksUri: https://issuer.example.com/jwks.json
            fromHeaders: [{ name: x-jwt-assertion, prefix: "Token " }]
            fromParams: [token]
            fromCookies: [session]
            outputPayloadToHeader: x-jwt-payload
            forwardOriginalToken: true
            outputClaimToHeaders: [{ header: x-jwt-group, claim: group }]
            timeout: 3s
        """;

    [Theory]
    [InlineData("security.istio.io/v1")]
    [InlineData("security.istio.io/v1beta1")]
    public void LoadText_EveryJwtRuleField_Read(string apiVersion)
    {
        var result = IstioConfigLoader.LoadText(Full.Replace("security.istio.io/v1", apiVersion, StringComparison.Ordinal), "ra.yaml");

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        var policy = Assert.IsType<RequestAuthentication>(Assert.Single(result.Resources));
        Assert.Equal("httpbin", policy.Spec.Selector!.MatchLabels["app"]);
        var rule = Assert.Single(policy.Spec.JwtRules);
        Assert.Equal("https://issuer.example.com", rule.Issuer);
        Assert.Equal(["orders", "billing"], rule.Audiences);
        Assert.Equal("https://issuer.example.com/jwks.json", rule.JwksUri);
        Assert.Equal(new JwtHeader { Name = "x-jwt-assertion", Prefix = "Token " }, Assert.Single(rule.FromHeaders));
        Assert.Equal(["token"], rule.FromParams);
        Assert.Equal(["session"], rule.FromCookies);
        Assert.Equal("x-jwt-payload", rule.OutputPayloadToHeader);
        Assert.True(rule.ForwardOriginalToken);
        Assert.Equal(new ClaimToHeader { Header = "x-jwt-group", Claim = "group" }, Assert.Single(rule.OutputClaimToHeaders));
        Assert.Equal(TimeSpan.FromSeconds(3), rule.Timeout);
    }

    [Fact]
    public void LoadText_InlineJwksAndTargetRefs_Read()
    {
        const string text = """
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: { name: jwt, namespace: foo }
            spec:
              targetRefs: [{ kind: Gateway, group: gateway.networking.k8s.io, name: ingress }]
              jwtRules:
              - issuer: testing@secure.istio.io
                jwks: '{"keys":[{"kty":"RSA","e":"AQAB","n":"xAE7eB6qugXyCAG3yhh7pkDkT65pHymX-P7KfIupjf59vsdo91bSP9C8H07pSAGQO1MV_xFj9VswgsCg4R6otmg5PV2He95lZdHtOcU5DXIg_pbhLdKXbi66GlVeK6ABZOUW3WYtnNHD-91gVuoeJT_DwtGGcp4ignkgXfkiEm4sw-4sfb4qdt5oLbyVpmW6x9cfa7vs2WTfURiCrBoUqgBo_-4WTiULmmHSGZHOjzwa8WtrtOQGsAFjIbno85jp6MnGGGZPYZbDAa_b3y5u-YpW7ypZrvD8BgtKVjgtQgZhLAGezMt0ua3DRrWnKqTZ0BJ_EyxOGuHJrLsn00fnMQ"}]}'
            """;

        var result = IstioConfigLoader.LoadText(text, "ra.yaml");

        Assert.Empty(result.Errors);
        var policy = Assert.IsType<RequestAuthentication>(Assert.Single(result.Resources));
        Assert.Equal("ingress", Assert.Single(policy.Spec.TargetRefs).Name);
        Assert.StartsWith("{\"keys\"", Assert.Single(policy.Spec.JwtRules).Jwks, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jwtRules: [{ audiences: [a] }]", "spec.jwtRules[0].issuer", "issuer or jwksUri must be non-empty string")]
    [InlineData("jwtRules: [{ issuer: i, audiences: [''] }]", "spec.jwtRules[0].audiences[0]", "audience must be non-empty string")]
    [InlineData("jwtRules: [{ issuer: i, jwksUri: 'ftp://keys.example.com/jwks' }]", "spec.jwtRules[0].jwksUri", "URI scheme \"ftp\" is not supported")]
    [InlineData("jwtRules: [{ issuer: i, jwks: 'not json' }]", "spec.jwtRules[0].jwks", "jwks parse error")]
    [InlineData("jwtRules: [{ issuer: i, jwks: '{\"keys\":[{\"n\":\"x\"}]}' }]", "spec.jwtRules[0].jwks", "jwks parse error")]
    [InlineData("jwtRules: [{ issuer: i, fromHeaders: [{ prefix: 'Bearer ' }] }]", "spec.jwtRules[0].fromHeaders[0].name", "location header name must be non-empty string")]
    [InlineData("jwtRules: [{ issuer: i, fromHeaders: [{ name: 'bad header' }] }]", "spec.jwtRules[0].fromHeaders[0].name", "not a valid HTTP header name")]
    [InlineData("jwtRules: [{ issuer: i, fromParams: [''] }]", "spec.jwtRules[0].fromParams[0]", "location query must be non-empty string")]
    [InlineData("jwtRules: [{ issuer: i, fromCookies: [''] }]", "spec.jwtRules[0].fromCookies[0]", "cookie name must be non-empty string")]
    [InlineData("jwtRules: [{ issuer: i, outputClaimToHeaders: [{ header: x-a }] }]", "spec.jwtRules[0].outputClaimToHeaders[0]", "header and claim value must be non-empty string")]
    [InlineData("jwtRules: [{ issuer: i, outputClaimToHeaders: [{ header: 'x a', claim: c }] }]", "spec.jwtRules[0].outputClaimToHeaders[0].header", "not a valid HTTP header name")]
    [InlineData("jwtRules: [{ issuer: i, outputPayloadToHeader: 'x:y' }]", "spec.jwtRules[0].outputPayloadToHeader", "not a valid HTTP header name")]
    [InlineData("jwtRules: [{ issuer: i, timeout: 0.5ms }]", "spec.jwtRules[0].timeout", "duration must be greater than 1ms")]
    [InlineData("selector: { matchLabels: { app: a } }\n  targetRefs: [{ kind: Gateway, name: g }]", "spec", "only one of targetRefs, targetRef or workloadSelector")]
    public void LoadText_InvalidRule_RejectedWithIstiosReason(string spec, string fieldPath, string reason)
    {
        var text = $$"""
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: { name: jwt, namespace: foo }
            spec:
              {{spec}}
            """;

        var result = IstioConfigLoader.LoadText(text, "ra.yaml");

        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.FieldPath == fieldPath && e.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void LoadText_JwksUriWithoutIssuer_Accepted()
    {
        const string text = """
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: { name: jwt }
            spec:
              jwtRules: [{ jwksUri: 'http://127.0.0.1:8080/jwks' }]
            """;

        Assert.Empty(IstioConfigLoader.LoadText(text, "ra.yaml").Errors);
    }
}
