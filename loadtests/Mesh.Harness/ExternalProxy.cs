using System.Diagnostics;
using System.Net.Sockets;

namespace Mesh.Harness;

/// <summary>
/// nginx or HAProxy from Debian's packages, run in the foreground with a config file of our own in front of the
/// backend: the proxies people choose instead of a sidecar, measured the same way.
/// </summary>
internal sealed class ExternalProxy : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly Process _process;

    private ExternalProxy(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
    }

    public string Name { get; }

    public int Port { get; }

    public int ProcessId => _process.Id;

    /// <summary>The program's path: on PATH, or in /usr/sbin where Debian puts both; null when it is not installed.</summary>
    public static string? Find(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>nginx with one worker, keep-alive to the backend (HTTP/1.1), h2c with prior knowledge when asked.</summary>
    public static Task<ExternalProxy> StartNginxAsync(string workDir, int port, int backendPort, bool http2, CancellationToken cancellationToken) =>
        StartNginxAsync("nginx", Path.Combine(workDir, "nginx"), $"127.0.0.1:{port}{(http2 ? " http2" : "")}", "",
            $"http://127.0.0.1:{backendPort}", "", port, cancellationToken);

    /// <summary>
    /// Two nginx, one worker each, as a pair of sidecars runs: the first takes plaintext (h2c when asked) and sends
    /// HTTP/1.1 over mutual TLS 1.3 to the second, which sends plaintext to the backend. Connections are kept on both
    /// hops, and TLS sessions resumed: the reference for the mesh's sidecar pair, on the same host in the same run.
    /// </summary>
    public static async Task<ExternalProxyPair> StartNginxMutualTlsPairAsync(string workDir, int port, int serverPort, int backendPort, bool http2, CancellationToken cancellationToken)
    {
        var tls = HarnessCertificates.Write(Directory.CreateDirectory(Path.Combine(workDir, "nginx-tls")).FullName);
        var server = await StartNginxAsync("nginx (server side)", Path.Combine(workDir, "nginx-server"), $"127.0.0.1:{serverPort} ssl",
            $"""
                ssl_protocols TLSv1.3;
                ssl_certificate {tls.ServerCertificate};
                ssl_certificate_key {tls.ServerKey};
                ssl_client_certificate {tls.Authority};
                ssl_verify_client on;
            """,
            $"http://127.0.0.1:{backendPort}", "", serverPort, cancellationToken);
        try
        {
            var client = await StartNginxAsync("nginx (client side)", Path.Combine(workDir, "nginx-client"), $"127.0.0.1:{port}{(http2 ? " http2" : "")}", "",
                $"https://127.0.0.1:{serverPort}",
                $"""
                      proxy_ssl_protocols TLSv1.3;
                      proxy_ssl_certificate {tls.ClientCertificate};
                      proxy_ssl_certificate_key {tls.ClientKey};
                      proxy_ssl_trusted_certificate {tls.Authority};
                      proxy_ssl_verify on;
                      proxy_ssl_name {HarnessCertificates.ServerName};
                      proxy_ssl_session_reuse on;
                """,
                port, cancellationToken);
            return new ExternalProxyPair(client, server);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>HAProxy with one thread, connections to the backend reused, h2c with prior knowledge when asked.</summary>
    public static Task<ExternalProxy> StartHaproxyAsync(string workDir, int port, int backendPort, bool http2, CancellationToken cancellationToken)
    {
        var dir = Directory.CreateDirectory(Path.Combine(workDir, "haproxy")).FullName;
        var config = $"""
            global
              nbthread 1
              maxconn 4096
            defaults
              mode http
              timeout connect 5s
              timeout client 60s
              timeout server 60s
              http-reuse always
            frontend bench
              bind 127.0.0.1:{port}{(http2 ? " proto h2" : "")}
              default_backend app
            backend app
              server backend 127.0.0.1:{backendPort}
            """;
        var file = Path.Combine(dir, "haproxy.cfg");
        File.WriteAllText(file, config + "\n");
        return StartAsync("haproxy", Find("haproxy"), ["-db", "-f", file], port, cancellationToken);
    }

    /// <summary>
    /// One nginx master with one worker in <paramref name="dir"/>, proxying everything on <paramref name="listen"/> to
    /// <paramref name="upstream"/> (scheme://host:port) over kept connections. Keep-alive requests are not capped on
    /// either side (nginx closes a connection after 1,000 by default): the mesh's proxies keep theirs, and a pair over
    /// TLS would otherwise pay a handshake per 1,000 requests per connection.
    /// </summary>
    private static Task<ExternalProxy> StartNginxAsync(string name, string dir, string listen, string serverTls, string upstream, string proxyTls, int port, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dir);
        var upstreamUri = new Uri(upstream);
        var config = $$"""
            daemon off;
            master_process on;
            worker_processes 1;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/error.log warn;
            events { worker_connections 4096; }
            http {
              access_log off;
              keepalive_requests 1000000;
              client_body_temp_path {{dir}}/body;
              proxy_temp_path {{dir}}/proxy;
              fastcgi_temp_path {{dir}}/fastcgi;
              uwsgi_temp_path {{dir}}/uwsgi;
              scgi_temp_path {{dir}}/scgi;
              upstream backend { server {{upstreamUri.Authority}}; keepalive 64; keepalive_requests 1000000; }
              server {
                listen {{listen}};
            {{serverTls}}
                location / {
                  proxy_pass {{upstreamUri.Scheme}}://backend;
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
            {{proxyTls}}
                }
              }
            }
            """;
        var file = Path.Combine(dir, "nginx.conf");
        File.WriteAllText(file, config);
        return StartAsync(name, Find("nginx"), ["-e", Path.Combine(dir, "error.log"), "-p", dir, "-c", file], port, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static async Task<ExternalProxy> StartAsync(string name, string? program, string[] args, int port, CancellationToken cancellationToken)
    {
        if (program is null)
        {
            throw new InvalidOperationException($"{name} is not installed (loadtests/harness.sh installs it with apt)");
        }

        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var proxy = new ExternalProxy(name, process, port);
        var deadline = Stopwatch.StartNew();
        while (!await AcceptsAsync(port, cancellationToken))
        {
            if (process.HasExited || deadline.Elapsed > StartTimeout)
            {
                await proxy.DisposeAsync();
                string said;
                lock (output)
                {
                    said = output.ToString().Trim();
                }

                throw new InvalidOperationException($"{name} did not start listening on 127.0.0.1:{port}: {said}");
            }

            await Task.Delay(50, cancellationToken);
        }

        return proxy;
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
