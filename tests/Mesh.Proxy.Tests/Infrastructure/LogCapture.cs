using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>Keeps every log line written through it, with its event id and exception, for tests that assert what people would read.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _lines = new();

    public IReadOnlyList<CapturedLog> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(_lines);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<CapturedLog> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new CapturedLog(eventId.Id, formatter(state, exception), exception));
    }
}
