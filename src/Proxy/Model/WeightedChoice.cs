namespace Mesh.Proxy.Model;

/// <summary>
/// Picks one of several options in proportion to integer weights: the one weighted choice behind every split (a
/// route's weighted clusters, an SNI route's clusters). Immutable; the random source is the caller's.
/// </summary>
internal sealed class WeightedChoice
{
    private readonly int[] _cumulativeWeights;
    private readonly int _totalWeight;

    public WeightedChoice(ReadOnlySpan<int> weights)
    {
        _cumulativeWeights = new int[weights.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            _totalWeight += weights[i];
            _cumulativeWeights[i] = _totalWeight;
        }
    }

    /// <summary>The index of the chosen option; a zero weight is never chosen unless every weight is zero (then the last).</summary>
    public int Pick(Random random)
    {
        if (_cumulativeWeights.Length <= 1 || _totalWeight == 0)
        {
            return _cumulativeWeights.Length - 1;
        }

        var point = random.Next(_totalWeight);
        for (var i = 0; i < _cumulativeWeights.Length; i++)
        {
            if (point < _cumulativeWeights[i])
            {
                return i;
            }
        }

        return _cumulativeWeights.Length - 1;
    }
}
