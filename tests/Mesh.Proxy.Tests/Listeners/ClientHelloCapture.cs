using System.Net.Security;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>Real ClientHello bytes, as an SslStream client sends them.</summary>
internal static class ClientHelloCapture
{
    /// <summary>The first flight a real SslStream client sends for <paramref name="targetHost"/>.</summary>
    public static async Task<byte[]> CaptureAsync(string targetHost)
    {
        var capture = new CaptureStream();
        await using var tls = new SslStream(capture);
        await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }));
        return capture.Written.ToArray();
    }

    /// <summary>Keeps what is written; reads end at once, so the handshake stops after the ClientHello.</summary>
    private sealed class CaptureStream : Stream
    {
        public MemoryStream Written { get; } = new();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count) => 0;

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);
    }
}
