namespace Mesh.Cel;

/// <summary>A value of the subset: an int, a string, a bool, or absent (CEL's evaluation error: a missing attribute or key).</summary>
public readonly struct CelValue
{
    private CelValue(CelKind kind, long number, string? text)
    {
        Kind = kind;
        Number = number;
        Text = text;
    }

    public CelKind Kind { get; }

    /// <summary>The int, or 1/0 for a bool.</summary>
    public long Number { get; }

    public string? Text { get; }

    public static CelValue Absent => default;

    public static CelValue Of(long number) => new(CelKind.Int, number, null);

    public static CelValue Of(bool value) => new(CelKind.Bool, value ? 1 : 0, null);

    public static CelValue Of(string? text) => text is null ? Absent : new(CelKind.String, 0, text);

    public bool IsTrue => Kind == CelKind.Bool && Number != 0;
}

public enum CelKind
{
    Absent,
    Int,
    String,
    Bool,
}
