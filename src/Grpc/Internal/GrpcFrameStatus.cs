// The outcome of looking for one length-prefixed message at the front of a buffer.
namespace Mesh.Grpc.Internal;

internal enum GrpcFrameStatus
{
    /// <summary>Not enough bytes yet for a whole frame.</summary>
    Incomplete,

    /// <summary>A whole uncompressed frame within the size limit.</summary>
    Complete,

    /// <summary>The compressed flag is set; we negotiate no compression.</summary>
    Compressed,

    /// <summary>The flag byte is neither 0 nor 1.</summary>
    InvalidFlag,

    /// <summary>The declared length exceeds the receive limit.</summary>
    TooLarge,
}
