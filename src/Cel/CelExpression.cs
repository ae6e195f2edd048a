namespace Mesh.Cel;

/// <summary>
/// A parsed access log filter: the subset of CEL that Istio users write in Telemetry <c>filter.expression</c>.
/// Literals (ints, strings, true, false), Envoy's request, response, connection, source, destination and upstream
/// attributes, <c>request.headers['name']</c>, <c>'name' in request.headers</c>, <c>== != &lt; &lt;= &gt; &gt;=</c>,
/// <c>&amp;&amp; || !</c>, parentheses, and the string functions <c>contains</c>, <c>startsWith</c>, <c>endsWith</c>
/// and <c>matches</c>. An expression that evaluates to anything but true (an absent attribute, a type mismatch)
/// does not match, as Envoy's CEL filter treats an error.
/// </summary>
public sealed class CelExpression
{
    /// <summary>Expressions longer than this are refused: a filter is a line of config, not a program.</summary>
    public const int MaxLength = 4_096;

    private readonly CelNode _root;

    private CelExpression(string text, CelNode root)
    {
        Text = text;
        _root = root;
    }

    public string Text { get; }

    /// <exception cref="CelParseException">The text is not in the subset, with the position and the reason.</exception>
    public static CelExpression Parse(string text) => new(text, new CelParser(text).ParseWhole());

    public static bool TryParse(string text, out CelExpression? expression, out string? error)
    {
        try
        {
            expression = Parse(text);
            error = null;
            return true;
        }
        catch (CelParseException e)
        {
            expression = null;
            error = e.Message;
            return false;
        }
    }

    public bool Matches(ICelAttributes attributes) => _root.Evaluate(attributes).IsTrue;
}

public sealed class CelParseException(string message) : Exception(message);
