// Byte-for-byte tests of the gRPC length-prefixed frame, on the way out and on the way in.
using System.Buffers;
using System.IO.Pipelines;
using Mesh.Grpc.Internal;
using Mesh.Grpc.Tests.Interop;

namespace Mesh.Grpc.Tests;

public sealed class GrpcFramingTests
{
    private static readonly byte[] HiFrame = [0x00, 0x00, 0x00, 0x00, 0x04, 0x0A, 0x02, (byte)'h', (byte)'i'];

    [Fact]
    public void WriteFrame_BufferWriter_WritesFlagBigEndianLengthAndMessage()
    {
        var message = new EchoRequest { Text = "hi" };
        var output = new ArrayBufferWriter<byte>();

        GrpcFraming.WriteFrame(output, message, message.CalculateSize());

        Assert.Equal(HiFrame, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteFrame_Span_WritesTheSameBytes()
    {
        var message = new EchoRequest { Text = "hi" };
        var destination = new byte[HiFrame.Length];

        GrpcFraming.WriteFrame(destination, message, message.CalculateSize());

        Assert.Equal(HiFrame, destination);
    }

    [Fact]
    public void WriteFrame_EmptyMessage_WritesHeaderOnly()
    {
        var output = new ArrayBufferWriter<byte>();

        GrpcFraming.WriteFrame(output, new EchoRequest(), 0);

        Assert.Equal(new byte[] { 0, 0, 0, 0, 0 }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteHeader_LargeLength_IsBigEndian()
    {
        var header = new byte[5];

        GrpcFraming.WriteHeader(header, 0x01020304);

        Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, header);
    }

    [Fact]
    public void TryReadFrame_FrameSplitAcrossSegments_ReturnsPayloadAndEnd()
    {
        var buffer = Segments(HiFrame[..2], HiFrame[2..6], [.. HiFrame[6..], 0xFF]);

        var status = GrpcFraming.TryReadFrame(buffer, 100, out var payload, out var length);

        Assert.Equal(GrpcFrameStatus.Complete, status);
        Assert.Equal(4, length);
        Assert.Equal(HiFrame[5..], payload.ToArray());
        Assert.Equal(1, buffer.Slice(payload.End).Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(8)]
    public void TryReadFrame_PartialFrame_IsIncomplete(int available)
    {
        var status = GrpcFraming.TryReadFrame(new ReadOnlySequence<byte>(HiFrame, 0, available), 100, out _, out _);

        Assert.Equal(GrpcFrameStatus.Incomplete, status);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0, 0, 0 }, (int)GrpcFrameStatus.Compressed)]
    [InlineData(new byte[] { 2, 0, 0, 0, 0 }, (int)GrpcFrameStatus.InvalidFlag)]
    [InlineData(new byte[] { 0, 0, 0, 0, 11 }, (int)GrpcFrameStatus.TooLarge)]
    [InlineData(new byte[] { 0, 0xFF, 0xFF, 0xFF, 0xFF }, (int)GrpcFrameStatus.TooLarge)]
    [InlineData(new byte[] { 0, 0, 0, 0, 10 }, (int)GrpcFrameStatus.Incomplete)]
    public void TryReadFrame_Header_IsJudgedBeforeTheBody(byte[] header, int expected)
    {
        var status = GrpcFraming.TryReadFrame(new ReadOnlySequence<byte>(header), 10, out _, out _);

        Assert.Equal((GrpcFrameStatus)expected, status);
    }

    [Fact]
    public async Task ReadMessageAsync_TwoFramesThenEnd_ReturnsBothThenNull()
    {
        var reader = PipeReader.Create(new ReadOnlySequence<byte>([.. HiFrame, .. HiFrame]));

        var first = await GrpcMessageReader.ReadMessageAsync(reader, EchoRequest.Parser, 100, default);
        var second = await GrpcMessageReader.ReadMessageAsync(reader, EchoRequest.Parser, 100, default);
        var end = await GrpcMessageReader.ReadMessageAsync(reader, EchoRequest.Parser, 100, default);

        Assert.Equal("hi", first?.Text);
        Assert.Equal("hi", second?.Text);
        Assert.Null(end);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 }, GrpcStatusCode.Internal, "header")]
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 1 }, GrpcStatusCode.Internal, "1 of 9")]
    [InlineData(new byte[] { 1, 0, 0, 0, 1, 0 }, GrpcStatusCode.Internal, "compressed")]
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0x0A, 0x05 }, GrpcStatusCode.Internal, "deserialize")]
    [InlineData(new byte[] { 0, 0, 0, 1, 0 }, GrpcStatusCode.ResourceExhausted, "256 > 100")]
    public async Task ReadMessageAsync_BadStream_ThrowsGrpcExceptionWithClearDetail(byte[] bytes, GrpcStatusCode expected, string detailPart)
    {
        var reader = PipeReader.Create(new ReadOnlySequence<byte>(bytes));

        var error = await Assert.ThrowsAsync<GrpcException>(() => GrpcMessageReader.ReadMessageAsync(reader, EchoRequest.Parser, 100, default).AsTask());

        Assert.Equal(expected, error.Status);
        Assert.Contains(detailPart, error.Detail, StringComparison.Ordinal);
    }

    private static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts[1..])
        {
            last = last.Append(part);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
