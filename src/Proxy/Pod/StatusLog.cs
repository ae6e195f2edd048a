using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Pod;

/// <summary>Log lines of the status and readiness ports: one per change of state, never one per probe.</summary>
internal static partial class StatusLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "status server listening on {EndPoints}: {AppProbes} application probes; application metrics: {AppMetrics}")]
    public static partial void Listening(ILogger logger, string endPoints, int appProbes, string appMetrics);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "application probe {Path} failing: {Reason}")]
    public static partial void ProbeFailing(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "application probe {Path} passing")]
    public static partial void ProbePassing(ILogger logger, string path);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "scraping the application's metrics at {Url} failed: {Reason}; serving the proxy's own only, until a scrape succeeds")]
    public static partial void AppScrapeFailing(ILogger logger, string url, string reason);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Information, Message = "scraping the application's metrics at {Url} succeeds again")]
    public static partial void AppScrapeRecovered(ILogger logger, string url);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Information, Message = "readiness: ready")]
    public static partial void Ready(ILogger logger);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Information, Message = "readiness: not ready: {Reason}")]
    public static partial void NotReady(ILogger logger, string reason);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Information, Message = "/quitquitquit from {Remote}: shutting down")]
    public static partial void Quit(ILogger logger, string remote);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void Ignored(ILogger logger, string warning);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "no application probe is configured for {Path} (${Variable}): answered 400")]
    public static partial void UnknownProbe(ILogger logger, string path, string variable);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Warning, Message = "/stats/prometheus refused: {InFlight} scrapes already in progress")]
    public static partial void TooManyScrapes(ILogger logger, int inFlight);
}
