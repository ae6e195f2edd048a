namespace Mesh.Istio.Loading;

/// <summary>Builds field paths the way Kubernetes prints them: <c>spec.http[0].match[1].headers[end-user]</c>.</summary>
internal static class FieldPaths
{
    public static string Field(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    public static string Key(string parent, string key) => $"{parent}[{key}]";
}
