// Turns a wait that would hang the suite (a broken transport never signalling) into a clear failure.
namespace Mesh.Grpc.Tests.Infrastructure;

internal static class HangGuard
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static Task<T> OrHang<T>(this Task<T> task) => task.WaitAsync(Limit);

    public static Task OrHang(this Task task) => task.WaitAsync(Limit);
}
