namespace Mesh.ControlPlane.Discovery;

/// <summary>What a discovery request means once compared with what this stream last sent for its type.</summary>
internal enum RequestKind
{
    /// <summary>A type this control plane does not serve.</summary>
    UnknownType,

    /// <summary>First request for the type on this stream: answer it.</summary>
    Subscribe,

    /// <summary>A subscribe for a type this stream already pushed unasked: the response in flight answers it.</summary>
    AlreadySent,

    /// <summary>Answers a response that is no longer the latest: ignore it.</summary>
    Stale,

    /// <summary>The proxy applied the latest response.</summary>
    Ack,

    /// <summary>The proxy rejected the latest response.</summary>
    Nack,
}
