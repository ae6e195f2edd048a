using CsCheck;
using Mesh.Cel;

namespace Mesh.Proxy.Tests.Observability.AccessLog;

/// <summary>The CEL subset of Telemetry access log filters: what parses, and what each expression is true of, with CEL's error semantics.</summary>
public sealed class CelExpressionTests
{
    private static readonly Attributes Ok = new(200, "/api/items?page=2", new Dictionary<string, string> { ["x-user-type"] = "dev", ["user-agent"] = "curl/8.5" });
    private static readonly Attributes NotFound = new(404, "/login", new Dictionary<string, string>());
    private static readonly Attributes Tcp = new(null, null, null);

    [Theory]
    [InlineData("response.code >= 400", false, true, false)]
    [InlineData("response.code == 200", true, false, false)]
    [InlineData("response.code != 200", false, true, false)]
    [InlineData("request.url_path == '/api/items'", true, false, false)]
    [InlineData("request.path == \"/api/items?page=2\"", true, false, false)]
    [InlineData("request.url_path.contains('login')", false, true, false)]
    [InlineData("request.url_path.startsWith('/api/') && request.headers['x-user-type'] == 'dev'", true, false, false)]
    [InlineData("request.useragent.matches('^curl/[0-9.]+$')", true, false, false)]
    [InlineData("request.url_path.endsWith('items')", true, false, false)]
    [InlineData("'x-user-type' in request.headers", true, false, false)]
    [InlineData("!('X-User-Type' in request.headers)", false, true, false)]
    [InlineData("request.headers['User-Agent'] == 'curl/8.5'", true, false, false)]
    // A missing header is an error: false on its own, absorbed by || and && when the other side decides.
    [InlineData("request.headers['x-user-type'] == 'dev' || response.code >= 400", true, true, false)]
    [InlineData("request.headers['x-user-type'] != 'dev'", false, false, false)]
    [InlineData("response.code >= 500 && request.headers['x-missing'] == 'a'", false, false, false)]
    [InlineData("(response.code >= 200 && response.code < 300) || request.method == 'POST'", true, false, false)]
    [InlineData("connection.mtls", false, false, true)]
    [InlineData("connection.mtls == true && destination.port == 15006", false, false, true)]
    [InlineData("response.code == 'ok'", false, false, false)]
    [InlineData("true", true, true, true)]
    public void Matches(string expression, bool ok, bool notFound, bool tcp)
    {
        var filter = CelExpression.Parse(expression);

        Assert.Equal((ok, notFound, tcp), (filter.Matches(Ok), filter.Matches(NotFound), filter.Matches(Tcp)));
    }

    [Theory]
    [InlineData("response.status >= 400", "attribute 'response.status' is not supported")]
    [InlineData("request.url_path.size() > 3", "function 'size' is not supported")]
    [InlineData("has(request.headers.x)", "function 'has' is not supported")]
    [InlineData("request.url_path.contains('a'", "expected ')'")]
    [InlineData("request.headers['x'", "expected ']'")]
    [InlineData("request.headers[x] == 'a'", "indexed by a string literal")]
    [InlineData("request.headers == 'a'", "request.headers is a map")]
    [InlineData("'a' in request.path", "'in' is supported on request.headers only")]
    [InlineData("request.path == 'unterminated", "unterminated string")]
    [InlineData("request.path.matches('(')", "is not a regular expression")]
    [InlineData("response.code >= 400 extra", "unexpected 'e'")]
    [InlineData("", "unexpected end of expression")]
    public void Parse_OutsideTheSubset_SaysWhereAndWhy(string expression, string reason)
    {
        var error = Assert.Throws<CelParseException>(() => CelExpression.Parse(expression));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("at ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HostileInput_Bounded()
    {
        Assert.Contains("nested more than", Assert.Throws<CelParseException>(() => CelExpression.Parse(new string('(', 1_000) + "true" + new string(')', 1_000))).Message);
        Assert.Contains("nested more than", Assert.Throws<CelParseException>(() => CelExpression.Parse(new string('!', 1_000) + "true")).Message);
        Assert.Contains("longer than", Assert.Throws<CelParseException>(() => CelExpression.Parse("response.code == 1" + new string(' ', CelExpression.MaxLength))).Message);
    }

    [Fact]
    public void Parse_AnyText_ParsesOrSaysWhy_AndWhatParsesEvaluates()
    {
        // Text made of the grammar's own pieces, so that much of it gets deep into the parser.
        string[] pieces = ["request.", "headers", "['x']", "response.code", "url_path", ".contains(", ".matches(", "'a'", "\"", "400", "9999999999", "-",
            "==", "!=", "<=", ">", "&&", "||", "!", "(", ")", "[", "]", " in ", "true", " ", "'(['", "\\"];
        var text = Gen.OneOf(pieces).Array[0, 40].Select(parts => string.Concat(parts));

        text.Sample(expression =>
        {
            try
            {
                var filter = CelExpression.Parse(expression);
                _ = filter.Matches(Ok) | filter.Matches(NotFound) | filter.Matches(Tcp);
            }
            catch (CelParseException)
            {
                // Refused with a reason: what any text outside the subset must get.
            }
        }, iter: 20_000);
    }

    /// <summary>One request (response code, path with query, headers), or a TCP connection over mTLS to 15006 when the code is null.</summary>
    private sealed class Attributes(int? code, string? path, Dictionary<string, string>? headers) : ICelAttributes
    {
        public CelValue Get(CelAttribute attribute) => attribute switch
        {
            CelAttribute.ResponseCode => code is { } c ? CelValue.Of(c) : CelValue.Absent,
            CelAttribute.RequestPath => CelValue.Of(path),
            CelAttribute.RequestUrlPath => CelValue.Of(path?.Split('?')[0]),
            CelAttribute.RequestMethod => code is null ? CelValue.Absent : CelValue.Of("GET"),
            CelAttribute.RequestUserAgent => CelValue.Of(Header("user-agent")),
            CelAttribute.ConnectionMtls => CelValue.Of(code is null),
            CelAttribute.DestinationPort => CelValue.Of(15006),
            _ => CelValue.Absent,
        };

        public bool HasRequest => headers is not null;

        public string? Header(string lowerCaseName) => headers is not null && headers.TryGetValue(lowerCaseName, out var value) ? value : null;
    }
}
