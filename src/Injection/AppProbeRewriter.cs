using System.Text.Encodings.Web;
using System.Text.Json;
using k8s.Models;

namespace Mesh.Injection;

/// <summary>
/// Moves the application's HTTP, TCP and gRPC probes and its httpGet/tcpSocket lifecycle hooks behind the proxy's status
/// port, as Istio's <c>app_probe.go</c> does, so kubelet's plain-text probes keep working under STRICT mTLS: each becomes
/// an httpGet of <c>/app-health/&lt;container&gt;/livez|readyz|startupz</c> (or <c>/app-lifecycle/&lt;container&gt;/
/// poststartz|prestopz</c>) on 15020, and the original goes to the proxy in ISTIO_KUBE_APP_PROBERS in Istio's JSON.
/// Exec probes are left as they are.
/// </summary>
internal static class AppProbeRewriter
{
    public const string ProbersVariable = "ISTIO_KUBE_APP_PROBERS";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Rewrites the probes and hooks in place; returns ISTIO_KUBE_APP_PROBERS' value, or null when nothing was rewritten.</summary>
    public static string? Rewrite(V1PodSpec spec, int statusPort, ICollection<string> warnings)
    {
        // Go's json.Marshal writes a map's keys sorted bytewise; so does this.
        var probers = new SortedDictionary<string, Prober>(StringComparer.Ordinal);
        foreach (var container in spec.InitContainers ?? [])
        {
            RewriteContainer(container, statusPort, probers, warnings);
        }

        foreach (var container in spec.Containers ?? [])
        {
            RewriteContainer(container, statusPort, probers, warnings);
        }

        return probers.Count == 0 ? null : Serialize(probers);
    }

    private static void RewriteContainer(V1Container container, int statusPort, SortedDictionary<string, Prober> probers, ICollection<string> warnings)
    {
        if (container.Name == SidecarTemplate.ProxyName)
        {
            return;
        }

        var health = $"/app-health/{container.Name}/";
        container.ReadinessProbe = RewriteProbe(container, container.ReadinessProbe, health + "readyz", statusPort, probers, warnings);
        container.LivenessProbe = RewriteProbe(container, container.LivenessProbe, health + "livez", statusPort, probers, warnings);
        container.StartupProbe = RewriteProbe(container, container.StartupProbe, health + "startupz", statusPort, probers, warnings);
        if (container.Lifecycle is { } lifecycle)
        {
            var hooks = $"/app-lifecycle/{container.Name}/";
            lifecycle.PreStop = RewriteHook(container, lifecycle.PreStop, hooks + "prestopz", statusPort, probers, warnings);
            lifecycle.PostStart = RewriteHook(container, lifecycle.PostStart, hooks + "poststartz", statusPort, probers, warnings);
        }
    }

    private static V1Probe? RewriteProbe(V1Container container, V1Probe? probe, string path, int statusPort, SortedDictionary<string, Prober> probers, ICollection<string> warnings)
    {
        if (probe is null)
        {
            return null;
        }

        Prober? original;
        if (probe.HttpGet is { } http)
        {
            original = ResolvePort(container, http.Port, path, warnings) is { } port ? new Prober(Http(http, port), null, null, probe.TimeoutSeconds) : null;
        }
        else if (probe.TcpSocket is { } tcp)
        {
            original = ResolvePort(container, tcp.Port, path, warnings) is { } port ? new Prober(null, new V1TCPSocketAction { Port = port, Host = tcp.Host }, null, probe.TimeoutSeconds) : null;
        }
        else if (probe.Grpc is { } grpc)
        {
            original = new Prober(null, null, grpc, probe.TimeoutSeconds);
        }
        else
        {
            return probe;
        }

        if (original is null)
        {
            return probe;
        }

        probers[path] = original;
        probe.HttpGet = Redirect(probe.HttpGet, path, statusPort);
        probe.TcpSocket = null;
        probe.Grpc = null;
        return probe;
    }

    private static V1LifecycleHandler? RewriteHook(V1Container container, V1LifecycleHandler? hook, string path, int statusPort, SortedDictionary<string, Prober> probers, ICollection<string> warnings)
    {
        if (hook is null)
        {
            return null;
        }

        if (hook.HttpGet is { } http && ResolvePort(container, http.Port, path, warnings) is { } httpPort)
        {
            probers[path] = new Prober(Http(http, httpPort), null, null, null);
        }
        else if (hook.TcpSocket is { } tcp && ResolvePort(container, tcp.Port, path, warnings) is { } tcpPort)
        {
            probers[path] = new Prober(null, new V1TCPSocketAction { Port = tcpPort, Host = tcp.Host }, null, null);
        }
        else
        {
            return hook;
        }

        hook.HttpGet = Redirect(hook.HttpGet, path, statusPort);
        hook.TcpSocket = null;
        return hook;
    }

    /// <summary>
    /// Istio keeps an httpGet's host and headers and turns HTTPS into HTTP (kubelet → HTTP → proxy → HTTPS → app); a
    /// TCP or gRPC check becomes a plain httpGet.
    /// </summary>
    private static V1HTTPGetAction Redirect(V1HTTPGetAction? original, string path, int statusPort) => new()
    {
        Path = path,
        Port = statusPort,
        Host = original?.Host,
        HttpHeaders = original?.HttpHeaders,
        Scheme = original?.Scheme == "HTTPS" ? "HTTP" : original?.Scheme,
    };

    private static V1HTTPGetAction Http(V1HTTPGetAction http, int port) => new()
    {
        Path = http.Path, Port = port, Host = http.Host, Scheme = http.Scheme, HttpHeaders = http.HttpHeaders,
    };

    /// <summary>A probe's port as a number, a named one looked up in the container's ports (as Istio does); null, reported, when the name is unknown.</summary>
    private static int? ResolvePort(V1Container container, IntOrString? port, string path, ICollection<string> warnings)
    {
        var value = port?.Value;
        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        foreach (var declared in container.Ports ?? [])
        {
            if (declared.Name == value)
            {
                return declared.ContainerPort;
            }
        }

        warnings.Add($"container {container.Name}: the probe or hook for {path} names port \"{value}\", which the container does not declare; it is left as it is, not rewritten");
        return null;
    }

    /// <summary>Istio's KubeAppProbers JSON: httpGet/tcpSocket/grpc as Kubernetes writes them, and timeoutSeconds when set.</summary>
    private static string Serialize(SortedDictionary<string, Prober> probers)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            foreach (var (path, prober) in probers)
            {
                json.WriteStartObject(path);
                if (prober.HttpGet is { } http)
                {
                    json.WriteStartObject("httpGet");
                    WriteIfSet(json, "path", http.Path);
                    json.WriteNumber("port", int.Parse(http.Port.Value, System.Globalization.CultureInfo.InvariantCulture));
                    WriteIfSet(json, "host", http.Host);
                    WriteIfSet(json, "scheme", http.Scheme);
                    if (http.HttpHeaders is { Count: > 0 } headers)
                    {
                        json.WriteStartArray("httpHeaders");
                        foreach (var header in headers)
                        {
                            json.WriteStartObject();
                            json.WriteString("name", header.Name);
                            json.WriteString("value", header.Value);
                            json.WriteEndObject();
                        }

                        json.WriteEndArray();
                    }

                    json.WriteEndObject();
                }

                if (prober.TcpSocket is { } tcp)
                {
                    json.WriteStartObject("tcpSocket");
                    json.WriteNumber("port", int.Parse(tcp.Port.Value, System.Globalization.CultureInfo.InvariantCulture));
                    WriteIfSet(json, "host", tcp.Host);
                    json.WriteEndObject();
                }

                if (prober.Grpc is { } grpc)
                {
                    // Kubernetes' GRPCAction.service has no omitempty: Istio writes "service": null.
                    json.WriteStartObject("grpc");
                    json.WriteNumber("port", grpc.Port);
                    if (grpc.Service is null)
                    {
                        json.WriteNull("service");
                    }
                    else
                    {
                        json.WriteString("service", grpc.Service);
                    }

                    json.WriteEndObject();
                }

                if (prober.TimeoutSeconds is { } timeout and not 0)
                {
                    json.WriteNumber("timeoutSeconds", timeout);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            json.WriteString(name, value);
        }
    }

    private sealed record Prober(V1HTTPGetAction? HttpGet, V1TCPSocketAction? TcpSocket, V1GRPCAction? Grpc, int? TimeoutSeconds);
}
