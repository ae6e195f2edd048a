using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Overload;

/// <summary>Log lines of the overload manager: one when an action starts, one when it ends, never per request.</summary>
internal static partial class OverloadLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "overload manager: heap budget {BudgetMb} MB ({Source}), at most {MaxActive} requests in flight; heap now {UsedMb} MB")]
    public static partial void Started(ILogger logger, long budgetMb, string source, int maxActive, long usedMb);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "overload manager: heap at {Percent:0}% of its {BudgetMb} MB budget after a full collection: new requests are answered 503 (OM) until it is below {Threshold:0}%")]
    public static partial void StopAcceptingRequests(ILogger logger, double percent, long budgetMb, double threshold);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "overload manager: heap at {Percent:0}% of its budget: accepting requests again, after refusing them for {Seconds:0.###} s")]
    public static partial void AcceptingRequestsAgain(ILogger logger, double percent, double seconds);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "overload manager: {Max} requests in flight, the most the heap budget holds: new requests are answered 503 (OM) until some end")]
    public static partial void AtActiveRequestsCap(ILogger logger, int max);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "overload manager: below {Max} requests in flight again, after refusing {Refused}")]
    public static partial void BelowActiveRequestsCap(ILogger logger, int max, int refused);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "{Name}={Value} is ignored: this proxy is compiled ahead of time, and its runtime reads GC settings as hexadecimal digits without 0x: write {Name}={Digits}")]
    public static partial void GcSettingIgnored(ILogger logger, string name, string value, string digits);
}
