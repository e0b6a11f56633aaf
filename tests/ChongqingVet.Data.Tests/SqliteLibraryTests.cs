using System.Runtime.CompilerServices;
using Dapper;

namespace ChongqingVet.Data.Tests;

/// <summary>
/// SQLite's process-wide settings (<see cref="SqliteLibrary"/>) on a real file. SQLite takes them only before the
/// process's first connection: a server applies them when it registers its database; this test process applies them
/// when it loads, before any test opens a connection.
/// </summary>
public sealed class SqliteLibraryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cqv-sqlite-library-").FullName;

#pragma warning disable CA2255 // The settings must precede every connection any test of this process opens.
    [ModuleInitializer]
    internal static void ApplyBeforeAnyConnection() => SqliteLibrary.Configure();
#pragma warning restore CA2255

    [Fact]
    public async Task Configure_BeforeTheFirstConnection_SqliteKeepsNoMemoryCounts()
    {
        Assert.True(SqliteLibrary.Configure());

        var factory = new DbConnectionFactory(new DatabaseOptions
        {
            Provider = DatabaseProvider.Sqlite,
            ConnectionString = $"Data Source={Path.Combine(_directory, "test.db")}",
        });
        await using var connection = await factory.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync("CREATE TABLE items (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
        await connection.ExecuteAsync("INSERT INTO items (body) VALUES (@Body)", Enumerable.Range(0, 500).Select(i => new { Body = new string('x', 1000 + i) }));
        Assert.Equal(500, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM items WHERE length(body) >= 1000"));

        // With the counts on, the open connection alone holds hundreds of kilobytes that SQLite would count here.
        Assert.Equal(0, SqliteLibrary.MemoryCounted());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
