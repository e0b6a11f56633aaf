using System.Data.Common;

namespace ChongqingVet.Data;

/// <summary>
/// Tells whether <see cref="IdempotencyStore.ExecuteAsync{TResponse}"/> answered with this call's own committed write
/// rather than a stored response (a replay, or a twin that committed first): ExecuteAsync returns the very object the
/// write produced only after committing it, while a stored response is a new, deserialised object. Used to move
/// counters once per committed outcome.
/// </summary>
public sealed class CommittedWrite<TResponse> where TResponse : class
{
    private TResponse? _written;

    /// <summary>The write to hand to ExecuteAsync, remembering what it produced.</summary>
    public Func<DbConnection, DbTransaction, Task<TResponse>> Of(Func<DbConnection, DbTransaction, Task<TResponse>> write) =>
        async (connection, transaction) => _written = await write(connection, transaction);

    /// <summary>True when ExecuteAsync's <paramref name="response"/> is this call's committed write.</summary>
    public bool Committed(TResponse response) => _written is not null && ReferenceEquals(response, _written);
}
