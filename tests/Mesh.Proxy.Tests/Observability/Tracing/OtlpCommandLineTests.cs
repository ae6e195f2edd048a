using Mesh.Contracts.Discovery;
using Mesh.Proxy.Observability.Tracing;
using OpenTelemetry.Exporter;

namespace Mesh.Proxy.Tests.Observability.Tracing;

/// <summary>Where spans go: the flags first, then the OpenTelemetry variables, signal-specific before generic.</summary>
public sealed class OtlpCommandLineTests
{
    private static readonly ProxyOptions Gateway = new(ProxyRole.Router, "istio-ingressgateway-7d4f", "istio-system", new Uri("http://h:1"), null, 0, 1, "127.0.0.1",
        new Dictionary<string, string> { ["app"] = "istio-ingressgateway" });

    [Fact]
    public void TryResolve_NothingConfigured_NoExport()
    {
        Assert.Null(Resolve([]));
    }

    [Theory]
    [InlineData("grpc", "http://collector:4317/")]
    [InlineData("http/protobuf", "http://collector:4318/v1/traces")]
    public void TryResolve_GenericEndpointVariable_IsABaseUrlLikeTheFlag(string protocol, string expected)
    {
        var endpoint = protocol == "grpc" ? "http://collector:4317" : "http://collector:4318";

        var export = Resolve([], ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint), ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol));

        Assert.Equal(new Uri(expected), export!.Endpoint);
    }

    [Fact]
    public void TryResolve_TracesEndpointVariable_UsedAsIsAndWinsOverTheGenericOne()
    {
        var export = Resolve([],
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"), ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:4318/custom/path"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));

        Assert.Equal(new Uri("http://traces:4318/custom/path"), export!.Endpoint);
        Assert.Equal(OtlpExportProtocol.HttpProtobuf, export.Protocol);
    }

    [Fact]
    public void TryResolve_Flags_WinOverEveryVariable()
    {
        var export = Resolve(
            new() { ["--otlp-endpoint"] = "http://flag:4318", ["--otlp-protocol"] = "http/protobuf" },
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:4317"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4317"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));

        Assert.Equal(new OtlpExport(new Uri("http://flag:4318/v1/traces"), OtlpExportProtocol.HttpProtobuf, "istio-ingressgateway.istio-system"), export);
    }

    [Fact]
    public void TryResolve_TracesProtocolVariable_WinsOverTheGenericOne()
    {
        var export = Resolve(
            new() { ["--otlp-endpoint"] = "http://collector:4318" },
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));

        Assert.Equal(OtlpExportProtocol.HttpProtobuf, export!.Protocol);
    }

    [Theory]
    [InlineData("jaeger-gateway", "jaeger-gateway")]
    [InlineData(" ", "istio-ingressgateway.istio-system")]
    [InlineData(null, "istio-ingressgateway.istio-system")]
    public void TryResolve_ServiceName_OtelServiceNameElseAppDotNamespace(string? variable, string expected)
    {
        var export = Resolve(new() { ["--otlp-endpoint"] = "http://collector:4317" }, ("OTEL_SERVICE_NAME", variable));

        Assert.Equal(expected, export!.ServiceName);
    }

    [Fact]
    public void TryResolve_NoAppLabel_WorkloadDotNamespace()
    {
        Assert.True(OtlpCommandLine.TryResolve(
            Gateway with { Labels = new Dictionary<string, string>() }, new() { ["--otlp-endpoint"] = "http://collector:4317" }, _ => null, out var export, out _));

        Assert.Equal("istio-ingressgateway-7d4f.istio-system", export!.ServiceName);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL 'http/json': expected grpc or http/protobuf", "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT 'collector:4317': expected http://HOST:PORT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "collector:4317")]
    public void TryResolve_BadVariable_NamesIt(string expected, string variable, string value)
    {
        Assert.False(OtlpCommandLine.TryResolve(Gateway, [], name => name == variable ? value : null, out _, out var error));
        Assert.Contains(expected, error);
    }

    private static OtlpExport? Resolve(Dictionary<string, string> flags, params (string Name, string? Value)[] environment)
    {
        Assert.True(OtlpCommandLine.TryResolve(Gateway, flags, name => Array.Find(environment, e => e.Name == name).Value, out var export, out var error), error);
        return export;
    }
}
