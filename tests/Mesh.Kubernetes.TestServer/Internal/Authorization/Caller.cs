namespace Mesh.Kubernetes.TestServer.Internal.Authorization;

/// <summary>Who is calling, as the authenticator found it: the admin token's user, or a service account with its groups.</summary>
internal sealed record Caller(string User, string[] Groups, bool IsAdmin)
{
    public static readonly Caller Admin = new("kubernetes-admin", ["system:masters", "system:authenticated"], true);

    public static Caller ServiceAccount(string ns, string name) =>
        new($"system:serviceaccount:{ns}:{name}", ["system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"], false);
}
