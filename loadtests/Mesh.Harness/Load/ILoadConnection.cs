namespace Mesh.Harness.Load;

/// <summary>One connection (or stream slot) of a load run: sends one request at a time and says whether it succeeded.</summary>
internal interface ILoadConnection : IAsyncDisposable
{
    /// <summary>Sends one request and reads its whole answer; false for an answer that is not a success. Throws on a broken connection.</summary>
    ValueTask<bool> SendAsync(CancellationToken cancellationToken);

    /// <summary>Drops the connection after a failure, so the next request opens a fresh one.</summary>
    ValueTask ResetAsync();
}
