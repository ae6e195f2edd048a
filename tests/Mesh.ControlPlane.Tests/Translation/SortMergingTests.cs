using CsCheck;
using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// The generator's sort gives exactly what a full sort gives, whatever the list: the one pass over a sorted run is
/// only faster, for the shape generation gives (a shared build in order, then a proxy's own few).
/// </summary>
public sealed class SortMergingTests
{
    private static readonly Gen<string> Names = Gen.String[Gen.Char['a', 'e'], 0, 4];

    [Fact]
    public void SortMerging_ASortedRunAndAnyTail_SameOrderAsAFullSort()
    {
        Gen.Select(Names.List[0, 30], Names.List[0, 8]).Sample((run, tail) =>
        {
            run.Sort(string.CompareOrdinal);
            var items = new List<string>([.. run, .. tail]);
            var expected = new List<string>(items);
            expected.Sort(string.CompareOrdinal);

            ProxyConfigGenerator.SortMerging(items, run.Count, string.CompareOrdinal);

            Assert.Equal(expected, items);
        });
    }

    [Fact]
    public void SortMerging_ASortedRunNotSaidToBe_SameOrderAsAFullSort()
    {
        Gen.Select(Names.List[0, 30], Names.List[0, 8]).Sample((run, tail) =>
        {
            run.Sort(string.CompareOrdinal);
            var items = new List<string>([.. run, .. tail]);
            var expected = new List<string>(items);
            expected.Sort(string.CompareOrdinal);

            ProxyConfigGenerator.SortMerging(items, 0, string.CompareOrdinal);

            Assert.Equal(expected, items);
        });
    }

    [Fact]
    public void SortMerging_AnyList_SameOrderAsAFullSort()
    {
        Names.List[0, 40].Sample(items =>
        {
            var expected = new List<string>(items);
            expected.Sort(string.CompareOrdinal);

            ProxyConfigGenerator.SortMerging(items, 0, string.CompareOrdinal);

            Assert.Equal(expected, items);
        });
    }

    [Fact]
    public void SortMerging_OwnItemsBeforeAndAmongTheRun_MergedIntoPlace()
    {
        List<string> items = ["outbound|80||a", "outbound|80||c", "outbound|80||e", "inbound|8080||", "outbound|80||d"];

        ProxyConfigGenerator.SortMerging(items, 3, string.CompareOrdinal);

        Assert.Equal(["inbound|8080||", "outbound|80||a", "outbound|80||c", "outbound|80||d", "outbound|80||e"], items);
    }
}
