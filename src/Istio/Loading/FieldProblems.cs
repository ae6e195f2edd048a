namespace Mesh.Istio.Loading;

/// <summary>Collects the errors and warnings of one document, by field path, before the resource they belong to is known.</summary>
internal sealed class FieldProblems
{
    private readonly List<(string Path, string Reason)> errors = [];
    private readonly List<(string Path, string Reason)> warnings = [];

    public IReadOnlyList<(string Path, string Reason)> Errors => errors;

    public IReadOnlyList<(string Path, string Reason)> Warnings => warnings;

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
