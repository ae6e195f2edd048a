namespace Mesh.Proxy;

/// <summary>
/// Kubernetes' $(VAR) references in a container's args: the kubelet replaces each with the variable from the
/// container's env, and leaves the reference as written when there is none. One left in a value is a pod spec mistake.
/// </summary>
internal static class KubernetesVariables
{
    /// <summary>The name of the first $(NAME) reference left in <paramref name="value"/>; null when there is none.</summary>
    public static string? FindUnexpanded(string value)
    {
        var start = value.IndexOf("$(", StringComparison.Ordinal);
        while (start >= 0)
        {
            var end = value.IndexOf(')', start + 2);
            if (end < 0)
            {
                return null;
            }

            var name = value.AsSpan(start + 2, end - start - 2);
            if (IsVariableName(name))
            {
                return name.ToString();
            }

            start = value.IndexOf("$(", start + 2, StringComparison.Ordinal);
        }

        return null;
    }

    /// <summary>A C identifier, as environment variables are named in practice (POD_NAME, INSTANCE_IP).</summary>
    private static bool IsVariableName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
