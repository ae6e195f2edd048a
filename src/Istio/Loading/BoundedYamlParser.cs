using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Mesh.Istio.Loading;

/// <summary>
/// Hands YamlDotNet's parsing events on to whoever builds nodes from them, stopping the file with an
/// <see cref="InputLimitException"/> as soon as it nests deeper than <see cref="ConfigInputLimits.MaxDepth"/>, holds
/// more than <see cref="ConfigInputLimits.MaxNodes"/> nodes (an alias counted as the nodes it repeats), or uses an
/// alias before its anchor is complete. YamlDotNet's representation model recurses once per level and keeps an alias
/// as a reference to its anchor's node, so without these checks nested brackets overflow the stack, an alias inside
/// its own anchor makes a cycle, and nested aliases make a small tree that reads as billions of nodes.
/// </summary>
internal sealed class BoundedYamlParser(IParser inner, ConfigInputLimits limits) : IParser
{
    // Collections open now, innermost last: where each began, and what its anchor (if any) must record when it ends.
    private readonly List<OpenCollection> open = [];

    // Anchors of the current document whose node is complete: how many nodes and levels an alias to it stands for.
    private readonly Dictionary<AnchorName, (long Nodes, int Height)> anchors = [];
    private readonly HashSet<int> documentsWithAliases = [];
    private long nodes;
    private Mark lastEnd = Mark.Empty;

    public ParsingEvent? Current => inner.Current;

    /// <summary>Zero-based index of the document being read (or the last one read).</summary>
    public int DocumentIndex { get; private set; } = -1;

    /// <summary>The documents that use an alias: the text of a resource in them may not be all that defines it.</summary>
    public IReadOnlySet<int> DocumentsWithAliases => documentsWithAliases;

    /// <summary>The innermost <c>[</c> or <c>{</c> still open, if any: a syntax error inside it is often that it was never closed.</summary>
    public (char Bracket, Mark Start)? OpenFlowCollection
    {
        get
        {
            for (var i = open.Count - 1; i >= 0; i--)
            {
                if (open[i].Flow)
                {
                    return (open[i].Sequence ? '[' : '{', open[i].Start);
                }
            }

            return null;
        }
    }

    public bool MoveNext()
    {
        bool moved;
        try
        {
            moved = inner.MoveNext();
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this, with no position, on a plain scalar it cannot end: in practice one
            // inside a '[' or '{' that was never closed, running into the next line's "key:".
            throw OpenFlowCollection is var (bracket, start)
                ? new YamlException(start, start, $"this '{bracket}' is not closed: expected ',' or '{Closing(bracket)}'")
                : new YamlException(lastEnd, lastEnd, "a plain scalar here cannot be read");
        }
        catch (ArgumentException e)
        {
            // YamlDotNet's parser throws this, with no position, on a tag it cannot make a URI of ("!!a]"): the
            // trouble starts after the last event it did read.
            throw new YamlException(lastEnd, lastEnd, "cannot read what follows: " + e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal));
        }

        if (moved && inner.Current is { } current)
        {
            Check(current);
            lastEnd = current.End;
        }

        return moved;
    }

    private static char Closing(char bracket) => bracket == '[' ? ']' : '}';

    private void Check(ParsingEvent current)
    {
        switch (current)
        {
            case DocumentStart:
                DocumentIndex++;
                anchors.Clear(); // an anchor names a node of its own document only
                break;
            case Scalar scalar:
                CountNodes(1, 1, scalar);
                if (!scalar.Anchor.IsEmpty)
                {
                    anchors[scalar.Anchor] = (1, 1);
                }

                break;
            case AnchorAlias alias:
                Alias(alias);
                break;
            case SequenceStart sequence:
                Open(sequence, sequence: true, sequence.Style == SequenceStyle.Flow);
                break;
            case MappingStart mapping:
                Open(mapping, sequence: false, mapping.Style == MappingStyle.Flow);
                break;
            case SequenceEnd or MappingEnd when open.Count > 0:
                Close(current);
                break;
        }
    }

    private void Open(NodeEvent start, bool sequence, bool flow)
    {
        CountNodes(1, 1, start);
        open.Add(new OpenCollection(start.Anchor, start.Start, nodes - 1, sequence, flow));
    }

    private void Close(ParsingEvent end)
    {
        var closed = open[^1];
        if (!closed.Sequence && closed.Children % 2 == 1)
        {
            // YamlDotNet's parser drops the value of some keys (an empty key with an anchored empty value, ": &a"),
            // and its node builder then fails with an ArgumentException: name the key instead.
            throw new YamlException(closed.LastChild, end.Start, "this key has no value that can be read");
        }

        open.RemoveAt(open.Count - 1);
        var height = closed.Height + 1;
        if (open.Count > 0)
        {
            open[^1].Height = Math.Max(open[^1].Height, height);
        }

        if (!closed.Anchor.IsEmpty)
        {
            anchors[closed.Anchor] = (nodes - closed.NodesBefore, height);
        }
    }

    private void Alias(AnchorAlias alias)
    {
        documentsWithAliases.Add(DocumentIndex);
        if (anchors.TryGetValue(alias.Value, out var anchored))
        {
            CountNodes(anchored.Nodes, anchored.Height, alias);
            return;
        }

        var containing = open.Exists(c => c.Anchor == alias.Value);
        throw new YamlException(alias.Start, alias.End, containing
            ? $"the alias *{alias.Value} is inside the node its anchor names: it would contain itself"
            : $"the alias *{alias.Value} names no anchor (&{alias.Value}) before it in this document");
    }

    /// <summary>Counts a node that stands for <paramref name="count"/> nodes, <paramref name="height"/> levels deep, under the open ones.</summary>
    private void CountNodes(long count, int height, ParsingEvent at)
    {
        nodes += count;
        if (open.Count + height > ConfigInputLimits.MaxDepth)
        {
            throw new InputLimitException(at.Start, at.End, $"nested more than {ConfigInputLimits.MaxDepth} levels deep (the limit on config input)");
        }

        if (nodes > limits.MaxNodes)
        {
            throw new InputLimitException(at.Start, at.End,
                $"more than {limits.MaxNodes} YAML nodes in one file, an alias counted as the nodes it repeats (the limit on config input): split the file");
        }

        if (open.Count > 0)
        {
            var parent = open[^1];
            parent.Height = Math.Max(parent.Height, height);
            parent.Children++;
            parent.LastChild = at.Start;
        }
    }

    /// <summary>A list or object whose end has not come yet.</summary>
    private sealed class OpenCollection(AnchorName anchor, Mark start, long nodesBefore, bool sequence, bool flow)
    {
        public AnchorName Anchor { get; } = anchor;

        public Mark Start { get; } = start;

        public long NodesBefore { get; } = nodesBefore;

        public bool Sequence { get; } = sequence;

        public bool Flow { get; } = flow;

        /// <summary>How many levels its deepest child spans so far.</summary>
        public int Height { get; set; }

        /// <summary>Its children so far: an object's alternate between keys and values.</summary>
        public int Children { get; set; }

        public Mark LastChild { get; set; }
    }
}
