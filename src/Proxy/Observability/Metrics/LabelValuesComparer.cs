namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// Compares label value sets by ordinal value, and lets a family look a set up from a caller's span of values, so that
/// finding a series that already exists allocates nothing.
/// </summary>
internal sealed class LabelValuesComparer : IEqualityComparer<LabelValues>, IAlternateEqualityComparer<ReadOnlySpan<string>, LabelValues>
{
    public static readonly LabelValuesComparer Instance = new();

    public static int HashOf(ReadOnlySpan<string> values)
    {
        var hash = new HashCode();
        foreach (var value in values)
        {
            hash.Add(string.GetHashCode(value, StringComparison.Ordinal));
        }

        return hash.ToHashCode();
    }

    public bool Equals(LabelValues? x, LabelValues? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        return x is not null && y is not null && x.Hash == y.Hash && Same(x.Values, y.Values);
    }

    public int GetHashCode(LabelValues obj) => obj.Hash;

    public bool Equals(ReadOnlySpan<string> alternate, LabelValues other) => Same(alternate, other.Values);

    public int GetHashCode(ReadOnlySpan<string> alternate) => HashOf(alternate);

    // Families never add through the span key (a new series needs its label names to render), so this is unreachable.
    public LabelValues Create(ReadOnlySpan<string> alternate) =>
        throw new NotSupportedException("Series are added by their family, which also renders their labels.");

    private static bool Same(ReadOnlySpan<string> left, ReadOnlySpan<string> right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        for (var i = 0; i < left.Length; i++)
        {
            if (!string.Equals(left[i], right[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
