// grpc-message percent-encoding as the gRPC HTTP/2 spec defines it.
using Mesh.Grpc.Internal;

namespace Mesh.Grpc.Tests;

public sealed class GrpcStatusMessageTests
{
    [Theory]
    [InlineData("plain ascii ~!", "plain ascii ~!")]
    [InlineData("100%", "100%25")]
    [InlineData("café", "caf%C3%A9")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("✓", "%E2%9C%93")]
    public void Encode_Message_PercentEncodesUtf8OutsidePrintableAscii(string message, string expected)
    {
        Assert.Equal(expected, GrpcStatusMessage.Encode(message));
    }

    [Theory]
    [InlineData("caf%C3%A9", "café")]
    [InlineData("caf%c3%a9", "café")]
    [InlineData("50%zz", "50%zz")]
    [InlineData("ends with %", "ends with %")]
    [InlineData("ends with %4", "ends with %4")]
    public void Decode_Encoded_IsLenientAboutBadEscapes(string encoded, string expected)
    {
        Assert.Equal(expected, GrpcStatusMessage.Decode(encoded));
    }

    [Fact]
    public void EncodeDecode_NonAscii_RoundTrips()
    {
        const string message = "verweigert: Größe 100% ✓ 日本";

        Assert.Equal(message, GrpcStatusMessage.Decode(GrpcStatusMessage.Encode(message)));
    }
}
