namespace Mesh.EndToEnd.Tests;

/// <summary>The metrics and tracing tests share one mesh: starting one costs seconds of a 2-core CI machine.</summary>
[CollectionDefinition(Name)]
public sealed class ObservabilityCollection : ICollectionFixture<ObservabilityFixture>
{
    public const string Name = "observability";
}
