using System.Text.RegularExpressions;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// metadata.name as the real server validates it on create: a namespace is an RFC 1123 label, a service an RFC 1035
/// label, anything else an RFC 1123 subdomain; refused as 422 Invalid with the real server's wording.
/// </summary>
internal static partial class NameValidation
{
    public static void Check(ResourceType type, string name)
    {
        var problem = type.Key switch
        {
            "namespaces" => Label1123().IsMatch(name) && name.Length <= 63 ? null
                : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an " +
                  "alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            "services" => Label1035().IsMatch(name) && name.Length <= 63 ? null
                : "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end " +
                  "with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            _ => Subdomain1123().IsMatch(name) && name.Length <= 253 ? null
                : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end " +
                  "with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
                  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        };
        if (problem is not null)
        {
            throw ApiException.Invalid(type, name, $"metadata.name: Invalid value: \"{name}\": {problem}");
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label1123();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label1035();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain1123();
}
