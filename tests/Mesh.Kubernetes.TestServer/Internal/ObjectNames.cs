namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>Names from generateName: the prefix and five random characters from the real server's alphabet.</summary>
internal static class ObjectNames
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string Generate(ResourceType type, string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            throw ApiException.Invalid(type, "", "metadata.name: Required value: name or generateName is required");
        }
        Span<char> suffix = stackalloc char[5];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = Alphabet[Random.Shared.Next(Alphabet.Length)];
        }
        return prefix + new string(suffix);
    }
}
