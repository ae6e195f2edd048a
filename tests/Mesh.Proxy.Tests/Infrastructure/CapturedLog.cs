namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>One log line as <see cref="LogCapture"/> kept it.</summary>
internal sealed record CapturedLog(int EventId, string Message, Exception? Exception);
