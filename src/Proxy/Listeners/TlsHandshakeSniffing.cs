// Tells a TLS connection from a plaintext one by its first byte, without consuming it, so one port can serve both.
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Listeners;

internal static class TlsHandshakeSniffing
{
    /// <summary>A TLS record of type handshake starts with 0x16; no HTTP request line or HTTP/2 preface does.</summary>
    private const byte HandshakeRecordType = 0x16;

    /// <summary>
    /// True when the first byte is a TLS handshake record; false for anything else, or when the peer sends nothing
    /// and goes away; null when <paramref name="deadline"/> fires first.
    /// </summary>
    public static async ValueTask<bool?> StartsWithTlsAsync(ConnectionContext connection, CancellationToken deadline)
    {
        var input = connection.Transport.Input;
        try
        {
            var result = await input.ReadAsync(deadline);
            var buffer = result.Buffer;
            var isTls = !buffer.IsEmpty && buffer.FirstSpan[0] == HandshakeRecordType;
            // Nothing consumed: the TLS or HTTP layer reads these bytes again.
            input.AdvanceTo(buffer.Start, buffer.Start);
            return isTls;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // Past the deadline; or reset or aborted, which the plaintext branch then finds and ends quietly.
            return deadline.IsCancellationRequested ? null : false;
        }
    }
}
