using SQLitePCL;

namespace ChongqingVet.Data;

/// <summary>
/// SQLite's process-wide settings. SQLite takes them only before the process opens its first connection (after that
/// <c>sqlite3_config</c> answers SQLITE_MISUSE), so <see cref="DatabaseHosting.AddDatabase"/> applies them when a
/// service on SQLite registers its database, before its host starts.
/// <para>
/// <b>Memory statistics off</b> (<c>SQLITE_CONFIG_MEMSTATUS</c> 0; the bundled library is built with them on). With
/// them on, every <c>sqlite3_malloc</c> and <c>sqlite3_free</c> takes one mutex shared by every connection and thread
/// of the process to keep the counts, and SQLite allocates on every statement it runs. Nothing here reads the counts
/// (<c>sqlite3_memory_used</c>, <c>sqlite3_status</c>), and no heap limit (<c>soft_heap_limit</c>, which needs them)
/// is set. Measured in docs/PERFORMANCE.md, "SQLite without memory statistics".
/// </para>
/// </summary>
public static class SqliteLibrary
{
    private static readonly Lazy<bool> Configured = new(() =>
    {
        Batteries_V2.Init();
        return raw.sqlite3_config(raw.SQLITE_CONFIG_MEMSTATUS, 0) == raw.SQLITE_OK;
    });

    /// <summary>
    /// Applies the settings once per process. True when they are in effect; false when SQLite had already opened a
    /// connection in this process (it then keeps its defaults, which are correct, only slower).
    /// </summary>
    public static bool Configure() => Configured.Value;

    /// <summary>The bytes SQLite counts as allocated now: zero while its memory statistics are off.</summary>
    public static long MemoryCounted()
    {
        raw.sqlite3_status(raw.SQLITE_STATUS_MEMORY_USED, out var current, out _, 0);
        return current;
    }
}
