namespace Mesh.Istio.Validation;

/// <summary>
/// Kubernetes' rule for a container's environment variable name since 1.32 (RelaxedEnvironmentVariableValidation, on
/// by default): printable ASCII without '='. Older API servers are stricter; this refuses only what none accepts, so
/// a name written for the proxy's environment is refused where its author sees it, not in every pod it reaches.
/// </summary>
public static class EnvironmentVariableNames
{
    /// <summary>The rule, as the refusal states it.</summary>
    public const string Rule = "a valid environment variable name must consist only of printable ASCII characters other than '='";

    public static bool IsValid(string name)
    {
        if (name.Length == 0) return false;
        foreach (var c in name)
        {
            if (c is < ' ' or > '~' or '=') return false;
        }
        return true;
    }
}
