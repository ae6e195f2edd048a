using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Sources;

/// <summary>Log lines of the config sources, with stable event ids.</summary>
internal static partial class SourcesLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Config loaded: {Resources} resources from {Files} files ({Rejected} rejected)")]
    public static partial void ConfigLoaded(ILogger logger, int resources, int files, int rejected);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Config rejected: {Error}")]
    public static partial void FileError(ILogger logger, string error);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "File {File} rejected with {Errors} errors; its last good content ({Resources} resources) keeps serving")]
    public static partial void FileRejected(ILogger logger, string file, int errors, int resources);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void FileWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "File {File} removed; its {Resources} resources no longer serve")]
    public static partial void FileRemoved(ILogger logger, string file, int resources);

    /// <summary>An analyzer message, logged when it first appears (not again while the config keeps it): errors and warnings at Warning, the rest at Information.</summary>
    [LoggerMessage(EventId = 106, Message = "Config analysis: {Message}")]
    public static partial void Analysis(ILogger logger, LogLevel level, string message);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Watching {Directory} failed; rescanning the whole folder")]
    public static partial void WatcherFailed(ILogger logger, string directory, Exception exception);
}
