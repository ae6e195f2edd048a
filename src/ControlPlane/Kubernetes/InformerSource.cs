using k8s;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>One list of a kind: the objects and the resourceVersion a watch resumes from.</summary>
internal sealed record InformerList<T>(IReadOnlyList<T> Items, string ResourceVersion);

/// <summary>
/// The two API calls an <see cref="Informer{T}"/> makes, as delegates, so one informer serves built-in kinds, custom
/// objects, and fakes in tests.
/// </summary>
/// <param name="List">Lists every object of the kind (no watch).</param>
/// <param name="Watch">
/// Watches from a resourceVersion with bookmarks. An ERROR event the client turns into an exception (KubernetesClient's
/// <c>WatchAsync</c> hands a Status to its error callback) goes to the callback given; the sequence ends when the server
/// ends the watch.
/// </param>
internal sealed record InformerSource<T>(
    Func<CancellationToken, Task<InformerList<T>>> List,
    Func<string, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Object)>> Watch);
