namespace Mesh.Proxy.Model;

/// <summary>Why outlier detection ejected an endpoint, as Envoy names the types in its logs and statistics.</summary>
internal enum EjectionType
{
    Consecutive5xx,
    ConsecutiveGatewayFailure,
    ConsecutiveLocalOriginFailure,
}
