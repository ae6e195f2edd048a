using System.Text.RegularExpressions;

namespace Mesh.Cel;

/// <summary>A node of a parsed expression. Evaluation follows CEL: an absent attribute or key, or a type mismatch, is an error (<see cref="CelValue.Absent"/>), which <c>&amp;&amp;</c> and <c>||</c> absorb when the other side decides.</summary>
internal abstract class CelNode
{
    public abstract CelValue Evaluate(ICelAttributes attributes);
}

internal sealed class LiteralNode(CelValue value) : CelNode
{
    public CelValue Value { get; } = value;

    public override CelValue Evaluate(ICelAttributes attributes) => Value;
}

internal sealed class AttributeNode(CelAttribute attribute) : CelNode
{
    public override CelValue Evaluate(ICelAttributes attributes) => attributes.Get(attribute);
}

internal sealed class HeaderNode(string name) : CelNode
{
    public override CelValue Evaluate(ICelAttributes attributes) => CelValue.Of(attributes.Header(name));
}

/// <summary><c>request.headers</c> on its own: only the right-hand side of <c>in</c>.</summary>
internal sealed class HeadersNode : CelNode
{
    public override CelValue Evaluate(ICelAttributes attributes) => CelValue.Absent;
}

internal sealed class HasHeaderNode(CelNode name) : CelNode
{
    public override CelValue Evaluate(ICelAttributes attributes) =>
        attributes.HasRequest && name.Evaluate(attributes) is { Kind: CelKind.String, Text: { } text }
            ? CelValue.Of(attributes.Header(text.ToLowerInvariant()) is not null)
            : CelValue.Absent;
}

internal sealed class NotNode(CelNode operand) : CelNode
{
    public override CelValue Evaluate(ICelAttributes attributes) =>
        operand.Evaluate(attributes) is { Kind: CelKind.Bool } value ? CelValue.Of(!value.IsTrue) : CelValue.Absent;
}

internal sealed class AndNode(CelNode left, CelNode right) : CelNode
{
    public override CelValue Evaluate(ICelAttributes attributes)
    {
        var l = left.Evaluate(attributes);
        if (l.Kind == CelKind.Bool && !l.IsTrue) return CelValue.Of(false);
        var r = right.Evaluate(attributes);
        if (r.Kind == CelKind.Bool && !r.IsTrue) return CelValue.Of(false);
        return l.IsTrue && r.IsTrue ? CelValue.Of(true) : CelValue.Absent;
    }
}

internal sealed class OrNode(CelNode left, CelNode right) : CelNode
{
    public override CelValue Evaluate(ICelAttributes attributes)
    {
        var l = left.Evaluate(attributes);
        if (l.IsTrue) return l;
        var r = right.Evaluate(attributes);
        if (r.IsTrue) return r;
        return l.Kind == CelKind.Bool && r.Kind == CelKind.Bool ? CelValue.Of(false) : CelValue.Absent;
    }
}

internal enum CelComparison
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

internal sealed class CompareNode(CelComparison comparison, CelNode left, CelNode right) : CelNode
{
    public override CelValue Evaluate(ICelAttributes attributes)
    {
        var l = left.Evaluate(attributes);
        var r = right.Evaluate(attributes);
        if (l.Kind == CelKind.Absent || l.Kind != r.Kind) return CelValue.Absent;
        var order = l.Kind == CelKind.String ? string.CompareOrdinal(l.Text, r.Text) : l.Number.CompareTo(r.Number);
        if (l.Kind == CelKind.Bool && comparison is not (CelComparison.Equal or CelComparison.NotEqual)) return CelValue.Absent;
        return CelValue.Of(comparison switch
        {
            CelComparison.Equal => order == 0,
            CelComparison.NotEqual => order != 0,
            CelComparison.Less => order < 0,
            CelComparison.LessOrEqual => order <= 0,
            CelComparison.Greater => order > 0,
            _ => order >= 0,
        });
    }
}

internal enum CelStringFunction
{
    Contains,
    StartsWith,
    EndsWith,
}

internal sealed class StringFunctionNode(CelStringFunction function, CelNode receiver, CelNode argument) : CelNode
{
    public override CelValue Evaluate(ICelAttributes attributes)
    {
        if (receiver.Evaluate(attributes) is not { Kind: CelKind.String, Text: { } text }
            || argument.Evaluate(attributes) is not { Kind: CelKind.String, Text: { } part })
        {
            return CelValue.Absent;
        }

        return CelValue.Of(function switch
        {
            CelStringFunction.Contains => text.Contains(part, StringComparison.Ordinal),
            CelStringFunction.StartsWith => text.StartsWith(part, StringComparison.Ordinal),
            _ => text.EndsWith(part, StringComparison.Ordinal),
        });
    }
}

/// <summary><c>matches</c> with a literal RE2 pattern, compiled once (.NET's non-backtracking engine, linear like RE2).</summary>
internal sealed class MatchesNode(CelNode receiver, Regex pattern) : CelNode
{
    public override CelValue Evaluate(ICelAttributes attributes) =>
        receiver.Evaluate(attributes) is { Kind: CelKind.String, Text: { } text } ? CelValue.Of(pattern.IsMatch(text)) : CelValue.Absent;
}
