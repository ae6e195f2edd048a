namespace Mesh.Proxy.Configuration;

/// <summary>A discovery response the proxy cannot apply; the message names the type, resource, field path and reason and becomes the NACK's error detail.</summary>
internal sealed class ConfigRejectedException(string message) : Exception(message);
