namespace Mesh.Meshctl.Cluster;

/// <summary>An exception in one line for the user: HttpClient wraps the reason (a refused port-forward, a reset) in a generic message.</summary>
internal static class ErrorText
{
    public static string Of(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        return innermost == exception || exception.Message.Contains(innermost.Message, StringComparison.Ordinal)
            ? exception.Message
            : $"{exception.Message.TrimEnd('.')}: {innermost.Message}";
    }
}
