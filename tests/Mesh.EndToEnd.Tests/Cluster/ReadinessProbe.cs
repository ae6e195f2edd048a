using System.Net.Sockets;
using k8s.Models;
using Mesh.EndToEnd.Tests.Containers;

namespace Mesh.EndToEnd.Tests.Cluster;

/// <summary>
/// One readiness probe attempt, as a kubelet makes it from the node: httpGet to the pod's address (2xx and 3xx pass;
/// HTTPS without verifying the certificate), tcpSocket (a connection opens), exec (the command exits 0 in the
/// container), each bounded by timeoutSeconds. gRPC probes are refused by name.
/// </summary>
internal static class ReadinessProbe
{
    public static async Task<bool> ProbeAsync(HttpClient http, V1Probe probe, V1Container container, string podIp, string containerName, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(probe.TimeoutSeconds ?? 1);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            if (probe.HttpGet is { } get)
            {
                var port = ContainerRun.Port(container, get.Port) ?? throw new NotSupportedException($"container {container.Name}: probe port {get.Port.Value} is not declared");
                var scheme = string.Equals(get.Scheme, "HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
                using var request = new HttpRequestMessage(HttpMethod.Get, $"{scheme}://{get.Host ?? podIp}:{port}{get.Path ?? "/"}");
                foreach (var header in get.HttpHeaders ?? [])
                {
                    if (header.Name.Equals("Host", StringComparison.OrdinalIgnoreCase)) request.Headers.Host = header.Value;
                    else request.Headers.TryAddWithoutValidation(header.Name, header.Value);
                }

                using var response = await http.SendAsync(request, attempt.Token);
                return (int)response.StatusCode is >= 200 and < 400;
            }

            if (probe.TcpSocket is { } tcp)
            {
                var port = ContainerRun.Port(container, tcp.Port) ?? throw new NotSupportedException($"container {container.Name}: probe port {tcp.Port.Value} is not declared");
                using var client = new TcpClient();
                await client.ConnectAsync(tcp.Host ?? podIp, port, attempt.Token);
                return true;
            }

            if (probe.Exec is { } exec)
            {
                var result = await DockerCli.RunAsync(timeout, ["exec", containerName, .. exec.Command]);
                return result.Exit == 0;
            }
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        throw new NotSupportedException($"container {container.Name}: a readiness probe the test kubelet does not run (httpGet, tcpSocket and exec only)");
    }
}
