using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Security;

/// <summary>Log lines of the CA: every signing and every refusal, one line each, with stable event ids.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "CA ready: trust domain {TrustDomain}, signing with {Subject} (serial {Serial}, expires {NotAfter:u}), {RootCount} root(s) in the trust bundle, from {Folder}")]
    public static partial void CaReady(ILogger logger, string trustDomain, string subject, string serial, DateTime notAfter, int rootCount, string folder);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Issued certificate {Serial} for {Identity} to {Peer}, valid until {NotAfter:u}")]
    public static partial void Issued(ILogger logger, string serial, string identity, string peer, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Refused certificate request from {Peer}: {Status}: {Reason}")]
    public static partial void Refused(ILogger logger, string peer, string status, string reason);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "Serving certificate for the {Listener} issued: {Identity}, serial {Serial}, valid until {NotAfter:u}")]
    public static partial void ServingCertificateIssued(ILogger logger, string listener, string identity, string serial, DateTime notAfter);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "Serving certificate rotation failed, the current one keeps serving: {Reason}")]
    public static partial void ServingCertificateFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 305, Level = LogLevel.Warning, Message = "Fetching the JWKS from {Uri} failed: {Reason}; {Consequence}")]
    public static partial void JwksFetchFailed(ILogger logger, string uri, string reason, string consequence);

    [LoggerMessage(EventId = 306, Level = LogLevel.Information, Message = "Fetched the JWKS from {Uri} again after {Failures} failed attempt(s)")]
    public static partial void JwksRecovered(ILogger logger, string uri, int failures);

    [LoggerMessage(EventId = 307, Level = LogLevel.Warning, Message = "The JWKS from {Uri} could not be fetched for {MaxStaleness}: it is dropped, and its issuer's tokens are refused until a fetch succeeds")]
    public static partial void JwksDropped(ILogger logger, string uri, TimeSpan maxStaleness);
}
