using Mesh.Harness.Load;

namespace Mesh.Harness;

/// <summary>One row of the table: a way to reach the backend, and the proxies on it whose CPU and memory count.</summary>
internal sealed record HarnessPath(string Name, LoadTarget Target, IReadOnlyList<ProxyUnderTest> Proxies);
