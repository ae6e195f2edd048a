using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Mesh.Cel;

/// <summary>A recursive-descent parser of the subset (precedence from low to high: <c>||</c>, <c>&amp;&amp;</c>, relations, <c>!</c>, member access).</summary>
internal sealed class CelParser(string text)
{
    /// <summary>Nesting deeper than this is refused, so a hostile expression cannot exhaust the stack.</summary>
    private const int MaxDepth = 32;

    private static readonly Dictionary<string, CelAttribute> Attributes = new(StringComparer.Ordinal)
    {
        ["request.path"] = CelAttribute.RequestPath,
        ["request.url_path"] = CelAttribute.RequestUrlPath,
        ["request.host"] = CelAttribute.RequestHost,
        ["request.scheme"] = CelAttribute.RequestScheme,
        ["request.method"] = CelAttribute.RequestMethod,
        ["request.protocol"] = CelAttribute.RequestProtocol,
        ["request.id"] = CelAttribute.RequestId,
        ["request.useragent"] = CelAttribute.RequestUserAgent,
        ["request.referer"] = CelAttribute.RequestReferer,
        ["response.code"] = CelAttribute.ResponseCode,
        ["response.code_details"] = CelAttribute.ResponseCodeDetails,
        ["response.size"] = CelAttribute.ResponseSize,
        ["connection.mtls"] = CelAttribute.ConnectionMtls,
        ["connection.requested_server_name"] = CelAttribute.ConnectionRequestedServerName,
        ["source.address"] = CelAttribute.SourceAddress,
        ["source.port"] = CelAttribute.SourcePort,
        ["destination.address"] = CelAttribute.DestinationAddress,
        ["destination.port"] = CelAttribute.DestinationPort,
        ["upstream.address"] = CelAttribute.UpstreamAddress,
    };

    private int _position;
    private int _depth;

    public CelNode ParseWhole()
    {
        if (text.Length > CelExpression.MaxLength) throw Error($"longer than {CelExpression.MaxLength} characters");
        var node = ParseOr();
        SkipSpace();
        if (_position < text.Length) throw Error($"unexpected '{text[_position]}'");
        return node;
    }

    private CelNode ParseOr()
    {
        var node = ParseAnd();
        while (Take("||")) node = new OrNode(node, ParseAnd());
        return node;
    }

    private CelNode ParseAnd()
    {
        var node = ParseRelation();
        while (Take("&&")) node = new AndNode(node, ParseRelation());
        return node;
    }

    private CelNode ParseRelation()
    {
        var left = ParseUnary();
        const string HeadersMap = "request.headers is a map: index it (request.headers['name']) or test a key with 'in'";
        // The two-character operators first, so that "<" does not take the first half of "<=".
        CelComparison? comparison = Take("==") ? CelComparison.Equal : Take("!=") ? CelComparison.NotEqual
            : Take("<=") ? CelComparison.LessOrEqual : Take(">=") ? CelComparison.GreaterOrEqual
            : Take("<") ? CelComparison.Less : Take(">") ? CelComparison.Greater : null;
        if (comparison is { } op)
        {
            var right = ParseUnary();
            return left is HeadersNode || right is HeadersNode ? throw Error(HeadersMap) : new CompareNode(op, left, right);
        }

        if (TakeKeyword("in"))
        {
            return ParseUnary() is HeadersNode && left is not HeadersNode
                ? new HasHeaderNode(left)
                : throw Error("'in' is supported on request.headers only");
        }

        return left is HeadersNode ? throw Error(HeadersMap) : left;
    }

    private CelNode ParseUnary()
    {
        if (Take("!"))
        {
            return Nested(() => new NotNode(ParseUnary()));
        }

        SkipSpace();
        if (_position < text.Length && text[_position] == '-' && _position + 1 < text.Length && char.IsAsciiDigit(text[_position + 1]))
        {
            _position++;
            return new LiteralNode(CelValue.Of(-ReadInt()));
        }

        return ParseMember();
    }

    private CelNode ParseMember()
    {
        var node = ParsePrimary();
        while (true)
        {
            SkipSpace();
            if (!Take(".")) return node;
            var at = _position;
            var name = ReadIdentifier() ?? throw Error("expected a function name after '.'");
            if (name is not ("contains" or "startsWith" or "endsWith" or "matches"))
            {
                throw Error($"function '{name}' is not supported (contains, startsWith, endsWith, matches)", at);
            }

            if (!Take("(")) throw Error($"expected '(' after {name}");
            var argument = Nested(ParseOr);
            if (!Take(")")) throw Error($"expected ')' after the argument of {name}");
            node = name switch
            {
                "contains" => new StringFunctionNode(CelStringFunction.Contains, node, argument),
                "startsWith" => new StringFunctionNode(CelStringFunction.StartsWith, node, argument),
                "endsWith" => new StringFunctionNode(CelStringFunction.EndsWith, node, argument),
                _ => new MatchesNode(node, Pattern(argument)),
            };
        }
    }

    private CelNode ParsePrimary()
    {
        SkipSpace();
        if (_position >= text.Length) throw Error("unexpected end of expression");
        var c = text[_position];
        if (c == '(')
        {
            _position++;
            var inner = Nested(ParseOr);
            return Take(")") ? inner : throw Error("expected ')'");
        }

        if (c is '\'' or '"') return new LiteralNode(CelValue.Of(ReadString()));
        if (char.IsAsciiDigit(c)) return new LiteralNode(CelValue.Of(ReadInt()));
        var start = _position;
        var identifier = ReadIdentifier() ?? throw Error($"unexpected '{c}'");
        if (identifier == "true") return new LiteralNode(CelValue.Of(true));
        if (identifier == "false") return new LiteralNode(CelValue.Of(false));
        SkipSpace();
        if (_position < text.Length && text[_position] == '(')
        {
            throw Error($"function '{identifier}' is not supported (contains, startsWith, endsWith and matches are, called on a string: request.url_path.contains('x'))", start);
        }

        var path = identifier;
        while (PeekAttributeSegment() is { } segment)
        {
            path += "." + segment;
        }

        if (path == "request.headers")
        {
            if (!Take("[")) return new HeadersNode();
            SkipSpace();
            if (_position >= text.Length || text[_position] is not ('\'' or '"')) throw Error("request.headers is indexed by a string literal");
            var name = ReadString();
            return Take("]") ? new HeaderNode(name.ToLowerInvariant()) : throw Error("expected ']'");
        }

        return Attributes.TryGetValue(path, out var attribute)
            ? new AttributeNode(attribute)
            : throw Error($"attribute '{path}' is not supported", start);
    }

    /// <summary>Consumes ".name" when it continues an attribute's path (not a function call); returns the name.</summary>
    private string? PeekAttributeSegment()
    {
        var save = _position;
        SkipSpace();
        if (_position < text.Length && text[_position] == '.')
        {
            _position++;
            if (ReadIdentifier() is { } name)
            {
                var afterName = _position;
                SkipSpace();
                if (_position >= text.Length || text[_position] != '(')
                {
                    _position = afterName;
                    return name;
                }
            }
        }

        _position = save;
        return null;
    }

    private Regex Pattern(CelNode argument)
    {
        if (argument is not LiteralNode { Value: { Kind: CelKind.String, Text: { } pattern } })
        {
            throw Error("matches takes a string literal");
        }

        try
        {
            return new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw Error($"'{pattern}' is not a regular expression this mesh evaluates: {e.Message}");
        }
    }

    private T Nested<T>(Func<T> parse)
    {
        if (++_depth > MaxDepth) throw Error($"nested more than {MaxDepth} levels deep");
        var result = parse();
        _depth--;
        return result;
    }

    private long ReadInt()
    {
        var start = _position;
        while (_position < text.Length && char.IsAsciiDigit(text[_position])) _position++;
        return long.TryParse(text.AsSpan(start, _position - start), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error("integer out of range", start);
    }

    private string ReadString()
    {
        var quote = text[_position++];
        var value = new StringBuilder();
        while (_position < text.Length && text[_position] != quote)
        {
            var c = text[_position++];
            if (c == '\\' && _position < text.Length)
            {
                var escaped = text[_position++];
                value.Append(escaped switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => escaped });
            }
            else
            {
                value.Append(c);
            }
        }

        if (_position >= text.Length) throw Error("unterminated string");
        _position++;
        return value.ToString();
    }

    private string? ReadIdentifier()
    {
        SkipSpace();
        var start = _position;
        if (_position >= text.Length || !(char.IsAsciiLetter(text[_position]) || text[_position] == '_')) return null;
        while (_position < text.Length && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] == '_')) _position++;
        return text[start.._position];
    }

    private bool Take(string token)
    {
        SkipSpace();
        if (string.CompareOrdinal(text, _position, token, 0, token.Length) != 0) return false;
        _position += token.Length;
        return true;
    }

    private bool TakeKeyword(string keyword)
    {
        SkipSpace();
        var end = _position + keyword.Length;
        if (string.CompareOrdinal(text, _position, keyword, 0, keyword.Length) != 0
            || (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')))
        {
            return false;
        }

        _position = end;
        return true;
    }

    private void SkipSpace()
    {
        while (_position < text.Length && char.IsWhiteSpace(text[_position])) _position++;
    }

    private CelParseException Error(string reason, int? at = null) => new($"at {(at ?? _position) + 1}: {reason}");
}
