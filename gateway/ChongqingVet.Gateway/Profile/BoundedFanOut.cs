namespace ChongqingVet.Gateway.Profile;

/// <summary>
/// One downstream call per item (today: the transcript's BatchGetCourses calls, one per batch of courses outside the
/// major), at most <c>FanOut:MaxConcurrentCalls</c> (default 4) at a time within one request, so one caller's request
/// cannot flood a backend.
/// </summary>
public sealed class BoundedFanOut(IConfiguration configuration)
{
    public int MaxConcurrentCalls { get; } = Math.Clamp(configuration.GetValue("FanOut:MaxConcurrentCalls", 4), 1, 64);

    public async Task<TResult[]> SelectAsync<TItem, TResult>(IEnumerable<TItem> items, Func<TItem, Task<TResult>> call)
    {
        using var gate = new SemaphoreSlim(MaxConcurrentCalls);
        return await Task.WhenAll(items.Select(async item =>
        {
            await gate.WaitAsync();
            try
            {
                return await call(item);
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
