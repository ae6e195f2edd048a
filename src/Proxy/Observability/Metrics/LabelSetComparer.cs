namespace Mesh.Proxy.Observability.Metrics;

/// <summary>Compares label value sets element by element, ordinally, so that a family finds a child by its values.</summary>
internal sealed class LabelSetComparer : IEqualityComparer<string[]>
{
    public static readonly LabelSetComparer Instance = new();

    public bool Equals(string[]? x, string[]? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null || x.Length != y.Length)
        {
            return false;
        }

        for (var i = 0; i < x.Length; i++)
        {
            if (!string.Equals(x[i], y[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(string[] obj)
    {
        var hash = new HashCode();
        foreach (var value in obj)
        {
            hash.Add(value is null ? 0 : string.GetHashCode(value, StringComparison.Ordinal));
        }

        return hash.ToHashCode();
    }
}
