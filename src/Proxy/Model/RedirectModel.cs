namespace Mesh.Proxy.Model;

/// <summary>A compiled <c>RedirectAction</c>: empty parts keep the request's own.</summary>
internal sealed record RedirectModel(string? Path, string? Host, int Port, string? Scheme, int StatusCode);
