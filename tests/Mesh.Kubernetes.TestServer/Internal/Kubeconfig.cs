using System.Text;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>A kubeconfig with one cluster (the server and its CA), one token user and a current context, as kubectl reads it.</summary>
internal static class Kubeconfig
{
    public static string Render(Uri server, string caPem, string token)
    {
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(caPem));
        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: {server.GetLeftPart(UriPartial.Authority)}
                certificate-authority-data: {ca}
            users:
            - name: test
              user:
                token: {token}
            contexts:
            - name: test
              context:
                cluster: test
                user: test
                namespace: default
            current-context: test

            """;
    }
}
