namespace ChongqingVet.Gateway.Matching;

/// <summary>
/// The best <c>capacity</c> items offered so far, best first, by an order that tells any two different items apart.
/// An item the order ranks equal to one kept is the same item offered again (a course listed for two chunks of codes)
/// and is kept once.
/// </summary>
internal sealed class Shortlist<T>(int capacity, Comparison<T> order)
{
    private readonly List<T> _kept = new(capacity + 1);

    public IReadOnlyList<T> Kept => _kept;

    public void Offer(T item)
    {
        var at = _kept.Count;
        while (at > 0 && order(item, _kept[at - 1]) < 0) at--;
        if (at >= capacity || (at > 0 && order(item, _kept[at - 1]) == 0)) return;
        _kept.Insert(at, item);
        if (_kept.Count > capacity) _kept.RemoveAt(capacity);
    }
}
