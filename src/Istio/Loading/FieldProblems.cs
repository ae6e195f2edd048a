namespace Mesh.Istio.Loading;

/// <summary>
/// Collects the errors and warnings of one document, by field path, before the resource they belong to is known; and
/// where each field that was written is (the readers record it as they read), which the analyzer points people at.
/// </summary>
internal sealed class FieldProblems
{
    private readonly List<(string Path, string Reason)> errors = [];
    private readonly List<(string Path, string Reason)> warnings = [];
    private readonly Dictionary<string, int> fieldLines = new(StringComparer.Ordinal);

    public IReadOnlyList<(string Path, string Reason)> Errors => errors;

    public IReadOnlyList<(string Path, string Reason)> Warnings => warnings;

    /// <summary>Field path → 1-based line of every field read with a non-null value.</summary>
    public IReadOnlyDictionary<string, int> FieldLines => fieldLines;

    public void Written(string path, long line) => fieldLines[path] = (int)line;

    public bool HasErrorAt(string path)
    {
        foreach (var error in errors)
        {
            if (error.Path == path)
            {
                return true;
            }
        }

        return false;
    }

    public void Error(string path, string reason) => errors.Add((path, reason));

    public void Warning(string path, string reason) => warnings.Add((path, reason));
}
