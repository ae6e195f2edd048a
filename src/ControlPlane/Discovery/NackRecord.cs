namespace Mesh.ControlPlane.Discovery;

/// <summary>The last rejection of a response by a proxy: which response, the version it kept serving, and why.</summary>
internal sealed record NackRecord(string Nonce, string VersionKept, int Code, string Message, DateTimeOffset At);
