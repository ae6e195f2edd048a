namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// The sampling decision the B3 headers carry, which a <c>PropagationContext</c> cannot: deferred, debug, or sent
/// without ids (<c>b3: 0</c>). <see cref="WithIds"/> says whether valid B3 trace and span ids came with it.
/// </summary>
internal readonly record struct B3Sampling(B3SamplingState State, bool WithIds);
