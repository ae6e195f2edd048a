namespace Mesh.Istio;

/// <summary>Where a resource was read: the file, the YAML document in it, and the item when the document is a List.</summary>
/// <param name="File">The path or name given to the loader.</param>
/// <param name="DocumentIndex">Zero-based index of the YAML document (separated by <c>---</c>) in the file.</param>
/// <param name="ItemIndex">Zero-based index in the document's <c>items</c> (a <c>kind: List</c>) or top-level JSON array; null otherwise.</param>
public sealed record ConfigSource(string File, int DocumentIndex, int? ItemIndex = null)
{
    /// <summary>The 1-based line where the resource's object starts; null when it was not read from text.</summary>
    public int? Line { get; init; }

    public override string ToString() => ItemIndex is { } item ? $"{File}#{DocumentIndex}.items[{item}]" : $"{File}#{DocumentIndex}";
}
