using System.Reflection;
using ChongqingVet.Data;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace ChongqingVet.TestKit.Databases;

/// <summary>SQL Server cannot run here, so every SQL Server script and query is parsed with Microsoft's T-SQL parser.</summary>
public static class TSqlAssert
{
    public static void Parses(string sql, string name)
    {
        var parser = new TSql170Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);
        parser.Parse(reader, out var errors);
        Assert.True(errors.Count == 0,
            $"{name} does not parse as T-SQL:\n" + string.Join('\n', errors.Select(e => $"  line {e.Line}, column {e.Column}: {e.Message}")));
    }

    /// <summary>Parses every SQL Server migration script of the assembly; returns how many.</summary>
    public static int MigrationsParse(Assembly assembly)
    {
        var scripts = MigrationRunner.ReadScripts(assembly, DatabaseProvider.SqlServer);
        foreach (var (name, sql) in scripts) Parses(sql, name);
        return scripts.Count;
    }

    /// <summary>
    /// Every <c>const string</c> field whose name ends in "Sql" in the assembly's types: the repositories' queries,
    /// as SQL Server receives them (Dapper expands a list parameter <c>IN @Ids</c> to <c>IN (@Ids1, @Ids2 …)</c>;
    /// a query ending in ORDER BY gets the dialect's row limit, as the repositories append it).
    /// </summary>
    public static IReadOnlyList<(string Name, string Sql)> QueryConstants(Assembly assembly) =>
        assembly.GetTypes()
            .SelectMany(type => type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                .Where(field => field is { IsLiteral: true, IsInitOnly: false } && field.FieldType == typeof(string)
                                && field.Name.EndsWith("Sql", StringComparison.Ordinal))
                .Select(field => ($"{type.Name}.{field.Name}", AsSqlServerReceivesIt((string)field.GetRawConstantValue()!))))
            .ToArray();

    private static string AsSqlServerReceivesIt(string sql)
    {
        var expanded = System.Text.RegularExpressions.Regex.Replace(sql, @"\bIN\s+@(\w+)", "IN (@$1_1, @$1_2)");
        var lastOrderBy = expanded.LastIndexOf("ORDER BY", StringComparison.OrdinalIgnoreCase);
        var isPagedQuery = lastOrderBy >= 0 && !expanded[lastOrderBy..].Contains(')');
        return isPagedQuery ? expanded + SqlDialect.SqlServer.Limit() : expanded;
    }
}

/// <summary>The three dialect folders hold scripts of the same names, so no dialect falls behind.</summary>
public static class MigrationsAssert
{
    public static void DialectsInStep(Assembly assembly)
    {
        string Names(DatabaseProvider provider) => string.Join('\n', MigrationRunner.ReadScripts(assembly, provider)
            .Select(s => s.Name[(s.Name.IndexOf(".Migrations.", StringComparison.Ordinal) + 12)..])
            .Select(n => n[(n.IndexOf('.') + 1)..]));
        var sqlite = Names(DatabaseProvider.Sqlite);
        Assert.NotEmpty(sqlite);
        Assert.Equal(sqlite, Names(DatabaseProvider.Postgres));
        Assert.Equal(sqlite, Names(DatabaseProvider.SqlServer));
    }
}
