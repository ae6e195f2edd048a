using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>Log lines of Kubernetes Ingress support and of gateway credentials from Secrets (event ids 490–519; the Ingress status writer 500–509).</summary>
internal static partial class IngressLog
{
    [LoggerMessage(EventId = 490, Level = LogLevel.Information, Message = "Kubernetes Ingress: {Served} of {Total} Ingresses served (class {IngressClass}, mode {Mode}, gateway istio={Selector}): {Resources} Gateways and VirtualServices")]
    public static partial void Converted(ILogger logger, int served, int total, string ingressClass, string mode, string selector, int resources);

    [LoggerMessage(EventId = 491, Level = LogLevel.Warning, Message = "Ingress {Ingress}: {Problem}")]
    public static partial void Problem(ILogger logger, string ingress, string problem);

    [LoggerMessage(EventId = 492, Level = LogLevel.Warning, Message = "Gateway {Gateway} server {Server} (port {Port}) is not served: credentialName {Secret}: {Problem}")]
    public static partial void CredentialUnusable(ILogger logger, string gateway, string server, uint port, string secret, string problem);

    [LoggerMessage(EventId = 493, Level = LogLevel.Information, Message = "Gateway {Gateway} server {Server} (port {Port}) serves again: credentialName {Secret} resolved to Secret {Namespace}/{Secret}")]
    public static partial void CredentialResolved(ILogger logger, string gateway, string server, uint port, string secret, string @namespace);

    [LoggerMessage(EventId = 494, Level = LogLevel.Debug, Message = "Secrets: {Credentials} gateway credentials held, {Changed} changed")]
    public static partial void CredentialsChanged(ILogger logger, int credentials, int changed);

    [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "Ingress {Ingress}: status.loadBalancer.ingress not written ({Addresses}): {Error}; written again when the Ingress, the ingress Service or the gateway pods change")]
    public static partial void StatusFailed(ILogger logger, string ingress, string addresses, string error);

    [LoggerMessage(EventId = 501, Level = LogLevel.Debug, Message = "Ingress {Ingress}: status not written, it changed or went since it was read ({Error}); its newer version is looked at again")]
    public static partial void StatusStale(ILogger logger, string ingress, string error);
}
