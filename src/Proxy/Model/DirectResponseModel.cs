namespace Mesh.Proxy.Model;

/// <summary>A compiled <c>DirectResponseAction</c>: the status and the body, encoded once.</summary>
internal sealed record DirectResponseModel(int StatusCode, byte[] Body);
