namespace Mesh.Harness.Load;

/// <summary>Where a load run sends its requests: the URL, the Host (authority) to send when it is not the URL's, and the protocol.</summary>
public sealed record LoadTarget(Uri Url, LoadProtocol Protocol = LoadProtocol.Http1, string? Host = null)
{
    /// <summary>The Host header (HTTP/1.1) or :authority (HTTP/2) the requests carry.</summary>
    public string Authority => Host ?? Url.Authority;
}
