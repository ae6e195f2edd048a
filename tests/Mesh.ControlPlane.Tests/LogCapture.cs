using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests;

/// <summary>Keeps every log line written through it with its event id, for tests that assert what an operator would read.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<(int EventId, string Message)> _lines = new();

    public IReadOnlyList<(int EventId, string Message)> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(_lines);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<(int EventId, string Message)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((eventId.Id, formatter(state, exception) + (exception is null ? "" : " " + exception)));
    }
}
