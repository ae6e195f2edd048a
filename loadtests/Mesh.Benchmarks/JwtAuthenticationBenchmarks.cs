using BenchmarkDotNet.Attributes;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Authentication;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Model;
using Mesh.Tests.Shared;
using Microsoft.AspNetCore.Http;

namespace Mesh.Benchmarks;

/// <summary>
/// RequestAuthentication's cost per request on a listener that has it: no token (the check and nothing else), and a
/// valid RS256 or ES256 token verified (parse, claims, signature, request.auth attributes).
/// </summary>
[MemoryDiagnoser]
public class JwtAuthenticationBenchmarks
{
    private JwtAuthenticationModel _model = null!;
    private DefaultHttpContext _anonymous = null!;
    private DefaultHttpContext _rsa = null!;
    private DefaultHttpContext _ec = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var rsa = TestJwtIssuer.Rsa("https://rsa.example.com");
        using var ec = TestJwtIssuer.EllipticCurve("https://ec.example.com");
        _model = JwtAuthenticationCompiler.Compile(new JwtAuthentication { Providers = { Provider(rsa), Provider(ec) } }, "bench");
        _anonymous = new DefaultHttpContext();
        _rsa = WithToken(rsa.Token());
        _ec = WithToken(ec.Token());
    }

    [Benchmark(Description = "listener with JWT rules, request without a token")]
    public bool NoToken() => JwtAuthenticator.Authenticate(_anonymous.Request, _model, out _, TimeProvider.System) is null;

    [Benchmark(Description = "valid RS256 token (2048-bit key)")]
    public bool Rs256() => JwtAuthenticator.Authenticate(_rsa.Request, _model, out _, TimeProvider.System) is null;

    [Benchmark(Description = "valid ES256 token (P-256)")]
    public bool Es256() => JwtAuthenticator.Authenticate(_ec.Request, _model, out _, TimeProvider.System) is null;

    // forwardOriginalToken keeps the token in the request, so every iteration sees the same request.
    private static JwtProvider Provider(TestJwtIssuer issuer) => new()
    {
        Issuer = issuer.Issuer,
        Jwks = issuer.Jwks(),
        ForwardOriginalToken = true,
        FromHeaders = { new JwtHeaderLocation { Name = "Authorization", Prefix = "Bearer " } },
        FromParams = { "access_token" },
    };

    private static DefaultHttpContext WithToken(string token)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer " + token;
        return context;
    }
}
