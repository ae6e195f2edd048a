using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Pod;

/// <summary>
/// Runs the application's original probes for the kubelet, as Istio's agent does: to the pod's IP (or the probe's
/// host), from 127.0.0.6 (which traffic capture lets through, so the probe is not taken for inbound traffic), within
/// the probe's timeout. httpGet answers the application's status (a redirect to another host, or a final 3xx, is 200;
/// the first 10 KiB of its body); tcpSocket and grpc answer 200 or 500.
/// </summary>
internal sealed class AppProber : IDisposable
{
    /// <summary>Istio's maxRespBodyLength: what of the application's answer goes back to the kubelet.</summary>
    private const int MaxBodyBytes = 10 * 1024;

    /// <summary>The kubelet's limit, which Istio's agent keeps too.</summary>
    private const int MaxRedirects = 10;

    private static readonly IPAddress UpstreamLocalAddress = IPAddress.Parse("127.0.0.6");

    private readonly IPAddress _podAddress;
    private readonly HttpMessageInvoker _http;
    private readonly ConcurrentDictionary<string, bool> _passing = new(StringComparer.Ordinal);
    private readonly ILogger<AppProber> _logger;

    public AppProber(ProxyOptions options, ILogger<AppProber> logger)
    {
        var bind = IPAddress.Parse(options.Bind);
        _podAddress = bind.Equals(IPAddress.Any) ? IPAddress.Loopback : bind.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : bind;
        _logger = logger;
        _http = new HttpMessageInvoker(Handler());
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Runs <paramref name="probe"/> and answers the kubelet's request with its outcome.</summary>
    public async Task ProbeAsync(HttpContext context, AppProbe probe)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(probe.Timeout);
        try
        {
            switch (probe.Kind)
            {
                case AppProbeKind.HttpGet:
                    await HttpGetAsync(context, probe, timeout.Token);
                    break;
                case AppProbeKind.TcpSocket:
                    using (await ConnectAsync(probe.Host, probe.Port, timeout.Token))
                    {
                        Record(probe, null);
                        context.Response.StatusCode = StatusCodes.Status200OK;
                    }

                    break;
                default:
                    await GrpcAsync(context, probe, timeout.Token);
                    break;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or RpcException or InvalidDataException
            || (ex is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            var reason = ex is OperationCanceledException or RpcException { StatusCode: StatusCode.DeadlineExceeded }
                ? $"no answer within {probe.Timeout.TotalSeconds:0.###} s"
                : ex is RpcException { StatusCode: StatusCode.Unimplemented } ? "the application does not serve grpc.health.v1.Health"
                : ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}"
                : ex.GetBaseException().Message;
            Record(probe, reason);
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }
    }

    private async Task HttpGetAsync(HttpContext context, AppProbe probe, CancellationToken cancellationToken)
    {
        var host = probe.Host ?? _podAddress.ToString();
        var target = new UriBuilder(probe.Https ? Uri.UriSchemeHttps : Uri.UriSchemeHttp, host, probe.Port).Uri;
        target = new Uri(target, probe.HttpPath);
        for (var redirects = 0; ; redirects++)
        {
            using var request = Request(context, probe, target);
            using var response = await _http.SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
            {
                // The kubelet's rule: follow a redirect to the same host (up to 10), take one elsewhere as success.
                if (response.Headers.Location is { } location && new Uri(target, location) is var next && next.Host == target.Host)
                {
                    if (redirects == MaxRedirects)
                    {
                        throw new InvalidDataException($"stopped after {MaxRedirects} redirects");
                    }

                    target = next;
                    continue;
                }

                status = StatusCodes.Status200OK;
            }

            Record(probe, status < 400 ? null : $"{probe.HttpPath} answered {status}");
            context.Response.StatusCode = status;
            await CopyBodyAsync(response, context, cancellationToken);
            return;
        }
    }

    private HttpRequestMessage Request(HttpContext context, AppProbe probe, Uri target)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, target)
        {
            // HTTP/2 over TLS where the application offers it, as the kubelet probes; HTTP/1.1 in plaintext.
            Version = probe.Https ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        // One connection per probe, as the kubelet: an idle connection the application closed never fails a probe.
        request.Headers.ConnectionClose = true;

        // The kubelet's request carries the probe's httpHeaders already; the configured ones stand in when it does not.
        string? hostHeader = null;
        foreach (var (name, value) in probe.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                hostHeader = value;
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith(':'))
            {
                continue;
            }

            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }

        // The kubelet's Host names the status port; the application sees its own port instead, as Istio's agent does.
        var incoming = context.Request.Host;
        request.Headers.Host = hostHeader
            ?? (incoming.HasValue && incoming.Port == context.Connection.LocalPort ? $"{incoming.Host}:{probe.Port}" : incoming.HasValue ? incoming.Value : null);
        return request;
    }

    private static async Task CopyBodyAsync(HttpResponseMessage response, HttpContext context, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxBodyBytes];
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        await context.Response.Body.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
    }

    private async Task GrpcAsync(HttpContext context, AppProbe probe, CancellationToken cancellationToken)
    {
        // A channel per probe, as the kubelet dials one per probe: nothing of the application's is held between probes.
        using var channel = GrpcChannel.ForAddress(
            new UriBuilder(Uri.UriSchemeHttp, probe.Host ?? _podAddress.ToString(), probe.Port).Uri,
            new GrpcChannelOptions { HttpHandler = Handler(), DisposeHttpClient = true, MaxReceiveMessageSize = MaxBodyBytes });
        var client = new Health.HealthClient(channel);
        var answer = await client.CheckAsync(new HealthCheckRequest { Service = probe.GrpcService }, cancellationToken: cancellationToken);
        var serving = answer.Status == HealthCheckResponse.Types.ServingStatus.Serving;
        Record(probe, serving ? null : $"grpc health status {answer.Status}");
        context.Response.StatusCode = serving ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError;
    }

    private SocketsHttpHandler Handler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectCallback = (context, cancellationToken) => ConnectStreamAsync(context.DnsEndPoint, cancellationToken),
        // The kubelet does not verify an HTTPS probe's certificate: it is a health check over the pod's own address.
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    };

    private async ValueTask<Stream> ConnectStreamAsync(DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var host = IPAddress.TryParse(endPoint.Host, out var address) && address.Equals(_podAddress) ? null : endPoint.Host;
        return new NetworkStream(await ConnectAsync(host, endPoint.Port, cancellationToken), ownsSocket: true);
    }

    /// <summary>Connects to the pod's address from 127.0.0.6 (Linux, IPv4), or to the probe's own host.</summary>
    private async Task<Socket> ConnectAsync(string? host, int port, CancellationToken cancellationToken)
    {
        Socket socket;
        EndPoint target;
        if (host is null)
        {
            socket = new Socket(_podAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (_podAddress.AddressFamily == AddressFamily.InterNetwork && OperatingSystem.IsLinux())
            {
                socket.Bind(new IPEndPoint(UpstreamLocalAddress, 0));
            }

            target = new IPEndPoint(_podAddress, port);
        }
        else
        {
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            target = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
        }

        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(target, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Logs a probe's outcome when it changes: one line when it starts failing, one when it passes again.</summary>
    private void Record(AppProbe probe, string? failure)
    {
        var passing = failure is null;
        if (_passing.TryGetValue(probe.Path, out var was) && was == passing)
        {
            return;
        }

        _passing[probe.Path] = passing;
        if (passing)
        {
            StatusLog.ProbePassing(_logger, probe.Path);
        }
        else
        {
            StatusLog.ProbeFailing(_logger, probe.Path, failure!);
        }
    }
}
