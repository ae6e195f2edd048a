// What interop/client.js prints for one scenario: the final status and the reply texts it received.
namespace Mesh.Grpc.Tests.Infrastructure;

internal sealed record NodeClientResult(int Code, string Details, string[] Texts);
