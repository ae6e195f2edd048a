using System.Text.Json;
using Mesh.ControlPlane.Debug;
using Mesh.ControlPlane.Sources;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Analysis;

/// <summary>Where the control plane shows the analyzer's messages: its log (once per change) and <c>/debug/configz</c>.</summary>
public sealed class ConfigAnalysisReportingTests
{
    private const string RuleWithProxyProtocol = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: reviews, namespace: default }
        spec:
          host: reviews
          trafficPolicy:
            proxyProtocol: { version: V1 }
        """;

    private const string OtherRule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: ratings, namespace: default }
        spec:
          host: ratings
        """;

    [Fact]
    public async Task FolderConfigSource_FieldWithoutEffect_LogsItOnceAcrossReloads()
    {
        using var dir = new TempDirectory();
        dir.Write("dr.yaml", RuleWithProxyProtocol);
        using var capture = new LogCapture();
        using var loggers = new LoggerFactory([capture]);
        using var source = new FolderConfigSource(dir.Path, loggers.CreateLogger<FolderConfigSource>(), TimeProvider.System, TimeSpan.FromMilliseconds(20));
        source.Start();

        // Another file changes: the config reloads, and the message, still there, is not logged again.
        dir.Write("other.yaml", OtherRule);
        await Eventually.TrueAsync(() => source.Current.Resources.Count == 2, "the second file to load");

        var analysis = capture.Lines.Where(l => l.EventId == 106).Select(l => l.Message).ToList();
        var line = Assert.Single(analysis);
        Assert.Equal("Config analysis: Warning [MESH0001] (DestinationRule default/reviews dr.yaml:7) spec.trafficPolicy.proxyProtocol: "
            + "has no effect in this mesh: the PROXY protocol is not implemented: nothing is sent ahead of the request", line);
    }

    [Fact]
    public void ConfigStateWriter_ResourceWithMessage_ListsItUnderTheResourceAndInAll()
    {
        using var dir = new TempDirectory();
        dir.Write("dr.yaml", RuleWithProxyProtocol);
        using var loggers = new LoggerFactory();
        using var source = new FolderConfigSource(dir.Path, loggers.CreateLogger<FolderConfigSource>(), TimeProvider.System, TimeSpan.FromMilliseconds(20));
        source.Start();

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer)) ConfigStateWriter.Write(json, source.Current);
        using var configz = JsonDocument.Parse(buffer.ToArray());

        var message = Assert.Single(configz.RootElement.GetProperty("resources")[0].GetProperty("messages").EnumerateArray().ToList());
        Assert.Equal("MESH0001", message.GetProperty("code").GetString());
        Assert.Equal("Warning", message.GetProperty("level").GetString());
        Assert.Equal(7, message.GetProperty("line").GetInt32());
        Assert.Equal("spec.trafficPolicy.proxyProtocol", message.GetProperty("path").GetString());
        var all = Assert.Single(configz.RootElement.GetProperty("messages").EnumerateArray().ToList());
        Assert.StartsWith("Warning [MESH0001] (DestinationRule default/reviews dr.yaml:7)", all.GetString(), StringComparison.Ordinal);
    }
}
