using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Capture;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Listeners;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Overload;
using Mesh.Proxy.Pod;

namespace Mesh.Proxy;

/// <summary>Parses the proxy's command line (sidecar or router mode; wait and iptables parse their own) into <see cref="ProxyOptions"/>, with a clear message for every mistake.</summary>
internal static class ProxyCommandLine
{
    public const string Usage = """
        usage:
          Mesh.Proxy sidecar --workload NAME --namespace NS --discovery https://HOST:PORT --app HOST:PORT
                             --outbound-port PORT --admin-port PORT [--bind 127.0.0.1] [--label k=v ...]
                             [--locality REGION/ZONE/SUBZONE]
                             [--inbound-capture-port PORT (iptables captures the pod's traffic: inbound arrives
                              on PORT, 15006 in Istio's pods; outbound on --outbound-port; docs/capture.md)]
          Mesh.Proxy router  --workload NAME --namespace NS --discovery https://HOST:PORT --admin-port PORT
                             [--bind 127.0.0.1] [--label k=v ...] [--locality REGION/ZONE/SUBZONE]
        telemetry options (both modes):
          [--metrics-port 15090] [--access-log off|text|json] [--trace-sampling PERCENT (default 1)]
          [--otlp-endpoint http://HOST:PORT (default $OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, $OTEL_EXPORTER_OTLP_ENDPOINT)]
          [--otlp-protocol grpc|http/protobuf (default $OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, $OTEL_EXPORTER_OTLP_PROTOCOL, grpc)]
        """ + "\n" + IdentityCommandLine.Usage + "\n" + StatusCommandLine.Usage + "\n" + ListenerCommandLine.Usage + "\n" + OverloadCommandLine.Usage
        + "\n" + WaitCommand.Usage + "\n" + CaptureCommandLine.Usage;

    private static readonly string[] TelemetryFlags = ["--metrics-port", "--access-log", "--trace-sampling", "--otlp-endpoint", "--otlp-protocol"];

    /// <summary>Returns the options, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static ProxyOptions? TryParse(string[] args, out string error)
    {
        error = string.Empty;
        if (args.Length == 0 || args[0] is not ("sidecar" or "router"))
        {
            error = args.Length == 0 ? "missing mode: sidecar, router, wait or iptables" : $"unknown mode '{args[0]}': expected sidecar, router, wait or iptables";
            return null;
        }

        var role = args[0] == "sidecar" ? ProxyRole.Sidecar : ProxyRole.Router;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] allowed = role == ProxyRole.Sidecar
            ? ["--workload", "--namespace", "--discovery", "--app", "--outbound-port", "--admin-port", "--bind", "--label", "--locality", "--inbound-capture-port", .. TelemetryFlags, .. IdentityCommandLine.Flags, .. StatusCommandLine.Flags, .. ListenerCommandLine.Flags, .. OverloadCommandLine.Flags]
            : ["--workload", "--namespace", "--discovery", "--admin-port", "--bind", "--label", "--locality", .. TelemetryFlags, .. IdentityCommandLine.Flags, .. StatusCommandLine.Flags, .. ListenerCommandLine.Flags, .. OverloadCommandLine.Flags];

        for (var i = 1; i < args.Length; i += 2)
        {
            var flag = args[i];
            if (Array.IndexOf(allowed, flag) < 0)
            {
                error = $"unknown option '{flag}' for {args[0]} mode";
                return null;
            }

            if (i + 1 >= args.Length)
            {
                error = $"option '{flag}' needs a value";
                return null;
            }

            var value = args[i + 1];
            if (KubernetesVariables.FindUnexpanded(value) is { } variable)
            {
                // The kubelet leaves $(VAR) as written when the container's env has no VAR.
                error = $"{flag} '{value}': not expanded: is {variable} set in the container's env?";
                return null;
            }

            if (flag == "--label")
            {
                var equals = value.IndexOf('=');
                if (equals <= 0)
                {
                    error = $"--label '{value}': expected key=value";
                    return null;
                }

                labels[value[..equals]] = value[(equals + 1)..];
            }
            else if (!values.TryAdd(flag, value))
            {
                error = $"option '{flag}' given twice";
                return null;
            }
        }

        foreach (var flag in allowed)
        {
            if (flag is not ("--bind" or "--label" or "--locality" or "--inbound-capture-port") && Array.IndexOf(TelemetryFlags, flag) < 0 && Array.IndexOf(IdentityCommandLine.Flags, flag) < 0
                && Array.IndexOf(StatusCommandLine.Flags, flag) < 0 && Array.IndexOf(ListenerCommandLine.Flags, flag) < 0 && Array.IndexOf(OverloadCommandLine.Flags, flag) < 0
                && !values.ContainsKey(flag))
            {
                error = $"missing required option '{flag}'";
                return null;
            }
        }

        // https:// verifies the control plane with --ca-root-file; http:// (plaintext h2c) stays for tests that do not care.
        if (!Uri.TryCreate(values["--discovery"], UriKind.Absolute, out var discovery) || (discovery.Scheme != Uri.UriSchemeHttp && discovery.Scheme != Uri.UriSchemeHttps))
        {
            error = $"--discovery '{values["--discovery"]}': expected https://HOST:PORT (or http:// for plaintext)";
            return null;
        }

        var bind = values.GetValueOrDefault("--bind", "127.0.0.1");
        if (!IPAddress.TryParse(bind, out _))
        {
            error = $"--bind '{bind}': expected an IP address";
            return null;
        }

        if (!TryPort(values, "--admin-port", out var adminPort, out error))
        {
            return null;
        }

        var outboundPort = 0;
        var inboundCapturePort = 0;
        string? app = null;
        if (role == ProxyRole.Sidecar)
        {
            if (!TryPort(values, "--outbound-port", out outboundPort, out error))
            {
                return null;
            }

            if (values.ContainsKey("--inbound-capture-port"))
            {
                if (!TryPort(values, "--inbound-capture-port", out inboundCapturePort, out error))
                {
                    return null;
                }

                if (inboundCapturePort == 0 || inboundCapturePort == outboundPort)
                {
                    error = $"--inbound-capture-port '{inboundCapturePort}': expected the port iptables redirects inbound traffic to (15006), not 0 nor the outbound port";
                    return null;
                }
            }

            app = values["--app"];
            var colon = app.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(app.AsSpan(colon + 1), out var appPort) || appPort is < 1 or > 65535)
            {
                error = $"--app '{app}': expected HOST:PORT";
                return null;
            }
        }

        // Istio's locality of this proxy; a sidecar's WorkloadEntry locality, when it has one, wins at the control plane.
        var options = new ProxyOptions(role, values["--workload"], values["--namespace"], discovery, app, outboundPort, adminPort, bind, labels)
        {
            Locality = values.GetValueOrDefault("--locality", ""),
            InboundCapturePort = inboundCapturePort,
        };
        var withTelemetry = TelemetryCommandLine.TryApply(options, values, Environment.GetEnvironmentVariable, out error);
        var withListeners = ListenerCommandLine.TryApply(withTelemetry, values, out var listenerError) ?? Fail(listenerError, ref error);
        var withOverload = OverloadCommandLine.TryApply(withListeners, values, out var overloadError) ?? Fail(overloadError, ref error);
        var withStatus = StatusCommandLine.TryApply(withOverload, values, Environment.GetEnvironmentVariable, out var statusError) ?? Fail(statusError, ref error);
        return IdentityCommandLine.TryApply(withStatus, values, Environment.GetEnvironmentVariable, out var identityError) ?? Fail(identityError, ref error);
    }

    private static ProxyOptions? Fail(string stepError, ref string error)
    {
        if (error.Length == 0)
        {
            error = stepError;
        }

        return null;
    }

    internal static bool TryPort(IReadOnlyDictionary<string, string> values, string flag, out int port, out string error)
    {
        error = string.Empty;
        if (int.TryParse(values[flag], out port) && port is >= 0 and <= 65535)
        {
            return true;
        }

        error = $"{flag} '{values[flag]}': expected a port number (0-65535)";
        return false;
    }
}
