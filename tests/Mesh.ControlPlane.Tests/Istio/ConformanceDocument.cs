namespace Mesh.ControlPlane.Tests.Istio;

/// <summary>One document of a conformance file: where it is, what it declares, its YAML (without <c>_err</c>) and the rejection it documents.</summary>
internal sealed record ConformanceDocument(string File, int Index, string Resource, string Yaml, string? ExpectedError);
