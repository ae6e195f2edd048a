using Mesh.Contracts.Discovery;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Tracing;
using Mesh.Proxy.Observability.AccessLog;
using OpenTelemetry.Exporter;

namespace Mesh.Proxy.Tests.Observability;

public sealed class TelemetryCommandLineTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static readonly ProxyOptions Base = new(ProxyRole.Router, "gw", "ns", new Uri("http://h:1"), null, 0, 1, "127.0.0.1", new Dictionary<string, string>());

    [Fact]
    public void TryApply_NoFlags_IstioDefaults()
    {
        var options = TelemetryCommandLine.TryApply(Base, [], NoEnvironment, out var error);

        Assert.True(options is not null, error);
        Assert.Equal(15090, options.MetricsPort);
        Assert.Equal(AccessLogMode.Off, options.AccessLog);
        Assert.Equal(1.0, options.TraceSamplingPercent);
        Assert.Null(options.Otlp);
    }

    [Fact]
    public void TryApply_AllFlags_Applied()
    {
        var values = new Dictionary<string, string>
        {
            ["--metrics-port"] = "9000",
            ["--access-log"] = "json",
            ["--trace-sampling"] = "100",
            ["--otlp-endpoint"] = "http://127.0.0.1:4318",
            ["--otlp-protocol"] = "http/protobuf",
        };

        var options = TelemetryCommandLine.TryApply(Base, values, name => name == "OTEL_EXPORTER_OTLP_ENDPOINT" ? "http://ignored:4317" : null, out var error);

        Assert.True(options is not null, error);
        Assert.Equal(9000, options.MetricsPort);
        Assert.Equal(AccessLogMode.Json, options.AccessLog);
        Assert.Equal(100.0, options.TraceSamplingPercent);
        Assert.Equal(new OtlpExport(new Uri("http://127.0.0.1:4318/v1/traces"), OtlpExportProtocol.HttpProtobuf, "gw.ns"), options.Otlp);
    }

    [Fact]
    public void ProxyCommandLine_RouterWithTelemetryFlags_AcceptsThem()
    {
        var options = ProxyCommandLine.TryParse(
            ["router", "--workload", "gw", "--namespace", "istio-system", "--discovery", "http://127.0.0.1:15010", "--admin-port", "15000",
             "--metrics-port", "9100", "--access-log", "text", "--trace-sampling", "0.5"],
            out var error);

        Assert.True(options is not null, error);
        Assert.Equal(9100, options.MetricsPort);
        Assert.Equal(AccessLogMode.Text, options.AccessLog);
        Assert.Equal(0.5, options.TraceSamplingPercent);
    }

    [Theory]
    [InlineData("--access-log 'yaml': expected off, text or json", "--access-log", "yaml")]
    [InlineData("--trace-sampling '101': expected a percentage from 0 to 100", "--trace-sampling", "101")]
    [InlineData("--otlp-protocol 'udp': expected grpc or http/protobuf", "--otlp-protocol", "udp")]
    [InlineData("--otlp-endpoint 'collector:4317': expected http://HOST:PORT", "--otlp-endpoint", "collector:4317")]
    [InlineData("--otlp-endpoint 'ftp://collector:4317': expected http://HOST:PORT", "--otlp-endpoint", "ftp://collector:4317")]
    [InlineData("--metrics-port 'x'", "--metrics-port", "x")]
    public void TryApply_BadValue_SaysWhatIsWrong(string expected, string flag, string value)
    {
        Assert.Null(TelemetryCommandLine.TryApply(Base, new Dictionary<string, string> { [flag] = value }, NoEnvironment, out var error));
        Assert.Contains(expected, error);
    }
}
