using System.Reflection;
using System.Text.RegularExpressions;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Npgsql;

namespace ChongqingVet.Data.Tests;

/// <summary>
/// The three dialects define one schema: for every service (its own tables plus the shared idempotency and audit
/// tables of ChongqingVet.Data) the same tables, columns by logical type, nullability, primary keys, unique
/// constraints, indexes (name, uniqueness, columns in order, filter) and foreign keys. SQLite and PostgreSQL are read from live
/// databases the real migration runner migrated; SQL Server from the parsed T-SQL of the embedded scripts, replayed
/// statement by statement. A difference fails with the lines only one dialect has.
/// </summary>
public sealed class SchemaEquivalenceTests
{
    public static TheoryData<string> Services => new(ServiceAssemblies.Names);

    [Theory, MemberData(nameof(Services))]
    public async Task Migrations_ThreeDialects_DefineTheSameSchema(string service)
    {
        var assembly = ServiceAssemblies.Load(service);
        var sqlite = await LiveSchemaAsync(DatabaseProvider.Sqlite, assembly);
        var postgres = await LiveSchemaAsync(DatabaseProvider.Postgres, assembly);
        var sqlServer = SqlServerSchema.FromScripts(
            MigrationRunner.ReadScripts(typeof(MigrationRunner).Assembly, DatabaseProvider.SqlServer)
                .Concat(MigrationRunner.ReadScripts(assembly, DatabaseProvider.SqlServer)));

        Assert.Contains(sqlite, line => line.StartsWith("idempotency_keys:", StringComparison.Ordinal));
        Assert.Contains(sqlite, line => line.StartsWith("audit_log:", StringComparison.Ordinal));
        var drift = Schema.Diff("sqlite", sqlite, "postgres", postgres) + Schema.Diff("sqlite", sqlite, "sqlserver", sqlServer);
        Assert.True(drift.Length == 0, $"schema drift in {service}:\n{drift}");
    }

    [Fact]
    public async Task Diff_DriftedDialects_NamesEveryDifferingLine()
    {
        // Readers and diff on a deliberately drifted pair: a single-precision column, a nullability, an index, a foreign key.
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using (var connection = new SqliteConnection(database.ConnectionString))
        {
            await connection.ExecuteAsync("""
                CREATE TABLE owners (id VARCHAR(36) NOT NULL PRIMARY KEY);
                CREATE TABLE grades (id VARCHAR(36) NOT NULL PRIMARY KEY, score DOUBLE PRECISION NOT NULL, note VARCHAR(10) NOT NULL,
                                     owner VARCHAR(36) NOT NULL REFERENCES owners (id));
                CREATE INDEX ix_grades_score ON grades (score, id);
                """);
        }
        var sqlite = await ReadSqliteAsync(database.ConnectionString);
        var sqlServer = SqlServerSchema.FromScripts([("drifted.sql", """
            CREATE TABLE owners (id NVARCHAR(36) NOT NULL PRIMARY KEY);
            CREATE TABLE grades (id NVARCHAR(36) NOT NULL PRIMARY KEY, score REAL NOT NULL, note NVARCHAR(10) NULL, owner NVARCHAR(36) NOT NULL);
            CREATE INDEX ix_grades_score ON grades (id, score);
            """)]);

        var diff = Schema.Diff("sqlite", sqlite, "sqlserver", sqlServer);

        Assert.Equal(
            """
              only in sqlite:    grades: column note text(10) not null
              only in sqlite:    grades: column score double not null
              only in sqlite:    grades: foreign key (owner) references owners (id)
              only in sqlite:    grades: index ix_grades_score (score, id)
              only in sqlserver: grades: column note text(10) null
              only in sqlserver: grades: column score single not null
              only in sqlserver: grades: index ix_grades_score (id, score)

            """.ReplaceLineEndings("\n"), diff);
        Assert.Contains("grades: primary key (id)", sqlite);
        Assert.Contains("grades: primary key (id)", sqlServer);
        Assert.Contains("owners: column id text(36) not null", sqlServer);
        Assert.Contains("grades: column owner text(36) not null", sqlite);
    }

    private static async Task<IReadOnlyList<string>> LiveSchemaAsync(DatabaseProvider provider, Assembly assembly)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        MigrationRunner.Run(database.Options, assembly, NullLogger.Instance);
        return provider == DatabaseProvider.Sqlite ? await ReadSqliteAsync(database.ConnectionString) : await ReadPostgresAsync(database.ConnectionString);
    }

    /// <summary>
    /// SQLite keeps every column's declared type (pragma table_info) but stores by type affinity, so lengths and
    /// integer widths are not enforced there. The declared type is mapped to the logical type (see
    /// <see cref="Schema.SqliteType"/>), so the scripts still state the same intent as the other dialects.
    /// </summary>
    private static async Task<IReadOnlyList<string>> ReadSqliteAsync(string connectionString)
    {
        var lines = new List<string>();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        var tables = await connection.QueryAsync<(string Name, string Sql)>(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> @Journal", new { Journal = MigrationRunner.JournalTable });
        foreach (var (table, _) in tables)
        {
            lines.Add($"{table}: table");
            var columns = (await connection.QueryAsync<(long Cid, string Name, string Type, long NotNull, string? Default, long Pk)>("SELECT cid, name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(@Table)", new { Table = table })).ToList();
            foreach (var column in columns)
                lines.Add(Schema.Column(table, column.Name, Schema.SqliteType(column.Type), nullable: column.NotNull == 0 && column.Pk == 0));
            var key = columns.Where(c => c.Pk > 0).OrderBy(c => c.Pk).Select(c => c.Name).ToList();
            if (key.Count > 0) lines.Add(Schema.PrimaryKey(table, key));

            var foreignKeys = await connection.QueryAsync<(long Id, long Seq, string Table, string From, string To)>("SELECT id, seq, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(@Table)", new { Table = table });
            foreach (var foreignKey in foreignKeys.GroupBy(k => k.Id))
            {
                var ordered = foreignKey.OrderBy(k => k.Seq).ToList();
                lines.Add(Schema.ForeignKey(table, ordered.Select(k => k.From), ordered[0].Table, ordered.Select(k => k.To)));
            }

            var indexes = await connection.QueryAsync<(long Seq, string Name, long Unique, string Origin, long Partial)>("SELECT seq, name, \"unique\", origin, partial FROM pragma_index_list(@Table)", new { Table = table });
            foreach (var index in indexes.Where(i => i.Origin != "pk"))
            {
                var indexColumns = (await connection.QueryAsync<(long Seqno, string Name)>("SELECT seqno, name FROM pragma_index_info(@Index)", new { Index = index.Name }))
                    .OrderBy(c => c.Seqno).Select(c => c.Name).ToList();
                string? predicate = null;
                if (index.Partial == 1)
                {
                    var sql = await connection.QuerySingleAsync<string>("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = @Name", new { index.Name });
                    predicate = sql[(sql.LastIndexOf(" WHERE ", StringComparison.OrdinalIgnoreCase) + 7)..];
                }
                lines.Add(index.Origin == "u"
                    ? Schema.UniqueConstraint(table, indexColumns)
                    : Schema.Index(table, index.Name, index.Unique == 1, indexColumns, predicate));
            }
        }
        return Schema.Sorted(lines);
    }

    private static async Task<IReadOnlyList<string>> ReadPostgresAsync(string connectionString)
    {
        const string ColumnsSql = """
            SELECT table_name AS TableName, column_name AS ColumnName, data_type AS DataType,
                   character_maximum_length AS Length, is_nullable = 'YES' AS Nullable
            FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name <> @Journal
            """;
        const string IndexesSql = """
            SELECT t.relname AS TableName, i.relname AS IndexName, ix.indisunique AS IsUnique, ix.indisprimary AS IsPrimary,
                   (SELECT string_agg(a.attname, ',' ORDER BY k.ordinal)
                    FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ordinal)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS Columns,
                   pg_get_expr(ix.indpred, ix.indrelid) AS Predicate,
                   EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype = 'u') AS FromConstraint
            FROM pg_index ix
            JOIN pg_class t ON t.oid = ix.indrelid
            JOIN pg_class i ON i.oid = ix.indexrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = 'public' AND t.relname <> @Journal
            """;
        const string ForeignKeysSql = """
            SELECT c.conrelid::regclass::text AS TableName, c.confrelid::regclass::text AS ReferencedTable,
                   (SELECT string_agg(a.attname, ',' ORDER BY k.ordinal) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ordinal)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS Columns,
                   (SELECT string_agg(a.attname, ',' ORDER BY k.ordinal) FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ordinal)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS ReferencedColumns
            FROM pg_constraint c
            JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE c.contype = 'f' AND n.nspname = 'public'
            """;
        var lines = new List<string>();
        await using var connection = new NpgsqlConnection(connectionString);
        foreach (var key in await connection.QueryAsync<PostgresForeignKey>(ForeignKeysSql))
            lines.Add(Schema.ForeignKey(key.TableName, key.Columns.Split(','), key.ReferencedTable, key.ReferencedColumns.Split(',')));
        foreach (var column in await connection.QueryAsync<PostgresColumn>(ColumnsSql, new { Journal = MigrationRunner.JournalTable }))
        {
            lines.Add($"{column.TableName}: table");
            lines.Add(Schema.Column(column.TableName, column.ColumnName, Schema.PostgresType(column.DataType, column.Length), column.Nullable));
        }
        foreach (var index in await connection.QueryAsync<PostgresIndex>(IndexesSql, new { Journal = MigrationRunner.JournalTable }))
        {
            var columns = index.Columns.Split(',');
            lines.Add(index.IsPrimary ? Schema.PrimaryKey(index.TableName, columns)
                : index.FromConstraint ? Schema.UniqueConstraint(index.TableName, columns)
                : Schema.Index(index.TableName, index.IndexName, index.IsUnique, columns, index.Predicate));
        }
        return Schema.Sorted(lines);
    }

    private sealed record PostgresColumn(string TableName, string ColumnName, string DataType, int? Length, bool Nullable);

    private sealed record PostgresForeignKey(string TableName, string ReferencedTable, string Columns, string ReferencedColumns);

    private sealed record PostgresIndex(string TableName, string IndexName, bool IsUnique, bool IsPrimary, string Columns, string? Predicate, bool FromConstraint);
}

/// <summary>A schema as sorted lines, one fact each ("table: column name type not null"), so a diff reads line by line.</summary>
public static partial class Schema
{
    public static string Column(string table, string column, string type, bool nullable) =>
        $"{table}: column {column} {type} {(nullable ? "null" : "not null")}";

    public static string PrimaryKey(string table, IEnumerable<string> columns) => $"{table}: primary key ({string.Join(", ", columns)})";

    public static string ForeignKey(string table, IEnumerable<string> columns, string referenced, IEnumerable<string> referencedColumns) =>
        $"{table}: foreign key ({string.Join(", ", columns)}) references {referenced} ({string.Join(", ", referencedColumns)})";

    public static string UniqueConstraint(string table, IEnumerable<string> columns) => $"{table}: unique ({string.Join(", ", columns)})";

    public static string Index(string table, string name, bool unique, IEnumerable<string> columns, string? predicate) =>
        $"{table}: {(unique ? "unique index" : "index")} {name} ({string.Join(", ", columns)})" + (predicate is null ? "" : " where " + Predicate(predicate));

    /// <summary>A filter as text without brackets, quotes, parentheses or case differences: "status = 1".</summary>
    private static string Predicate(string predicate) =>
        Whitespace().Replace(predicate.Replace("(", " ").Replace(")", " ").Replace("[", "").Replace("]", "").Replace("\"", ""), " ").Trim().ToLowerInvariant();

    public static IReadOnlyList<string> Sorted(IEnumerable<string> lines) => lines.Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Lines only one side has; empty when the two agree.</summary>
    public static string Diff(string leftName, IReadOnlyList<string> left, string rightName, IReadOnlyList<string> right)
    {
        var width = Math.Max(leftName.Length, rightName.Length) + 1;
        var lines = left.Except(right).Select(l => $"  only in {(leftName + ":").PadRight(width)} {l}")
            .Concat(right.Except(left).Select(l => $"  only in {(rightName + ":").PadRight(width)} {l}"));
        return string.Concat(lines.Select(l => l + "\n"));
    }

    /// <summary>
    /// The logical type of a SQLite declared type. SQLite's affinity rules decide storage (INT → INTEGER, CHAR/CLOB/TEXT →
    /// TEXT, BLOB or none → BLOB, REAL/FLOA/DOUB → REAL, else NUMERIC); within an affinity the declared name says what the
    /// other dialects must hold: BIGINT → bigint, SMALLINT → smallint, INT/INTEGER → integer, VARCHAR(n) → text(n).
    /// REAL, FLOAT and DOUBLE [PRECISION] are all double: SQLite stores every REAL as an 8-byte IEEE double
    /// (PostgreSQL's REAL, SQL Server's REAL and FLOAT(1–24) are 4-byte: "single").
    /// </summary>
    public static string SqliteType(string declared)
    {
        var type = declared.Trim().ToUpperInvariant();
        var length = Length().Match(type) is { Success: true } m ? m.Groups[1].Value : "max";
        if (type.Contains("CHAR", StringComparison.Ordinal) || type.Contains("CLOB", StringComparison.Ordinal) || type.Contains("TEXT", StringComparison.Ordinal))
            return $"text({length})";
        if (type.StartsWith("BIGINT", StringComparison.Ordinal)) return "bigint";
        if (type.StartsWith("SMALLINT", StringComparison.Ordinal)) return "smallint";
        if (type.StartsWith("BOOL", StringComparison.Ordinal)) return "bool";
        if (type.Contains("INT", StringComparison.Ordinal)) return "integer";
        if (type.Length == 0 || type.StartsWith("BLOB", StringComparison.Ordinal)) return "blob";
        if (type.Contains("REAL", StringComparison.Ordinal) || type.Contains("FLOA", StringComparison.Ordinal) || type.Contains("DOUB", StringComparison.Ordinal)) return "double";
        if (type.StartsWith("DECIMAL", StringComparison.Ordinal) || type.StartsWith("NUMERIC", StringComparison.Ordinal)) return "decimal";
        if (type.StartsWith("DATETIME", StringComparison.Ordinal) || type.StartsWith("TIMESTAMP", StringComparison.Ordinal)) return "timestamp";
        if (type == "DATE") return "date";
        return "unknown:" + declared;
    }

    /// <summary>The logical type of an information_schema.columns data_type.</summary>
    public static string PostgresType(string dataType, int? length) => dataType switch
    {
        "character varying" or "character" => $"text({length?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "max"})",
        "text" => "text(max)",
        "integer" => "integer",
        "bigint" => "bigint",
        "smallint" => "smallint",
        "boolean" => "bool",
        "double precision" => "double",
        "real" => "single",
        "numeric" => "decimal",
        "bytea" => "blob",
        "date" => "date",
        _ when dataType.StartsWith("timestamp", StringComparison.Ordinal) => "timestamp",
        _ => "unknown:" + dataType,
    };

    [GeneratedRegex(@"\(\s*(\d+)")]
    private static partial Regex Length();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

/// <summary>
/// The SQL Server schema the embedded T-SQL scripts build, without a server: each script parsed with ScriptDom and its
/// CREATE TABLE, ALTER TABLE … ADD / ALTER COLUMN / DROP COLUMN, CREATE INDEX, DROP INDEX and DROP TABLE statements
/// replayed in run order. Any other statement that changes a table's shape fails the test (it would go unchecked).
/// </summary>
public static class SqlServerSchema
{
    private sealed class Table
    {
        public List<(string Name, string Type, bool Nullable)> Columns { get; } = [];
        public List<string> PrimaryKey { get; set; } = [];
        public List<List<string>> UniqueConstraints { get; } = [];
        public List<(List<string> Columns, string Referenced, List<string> ReferencedColumns)> ForeignKeys { get; } = [];
        public Dictionary<string, (bool Unique, List<string> Columns, string? Predicate)> Indexes { get; } = new(StringComparer.OrdinalIgnoreCase);
    }

    public static IReadOnlyList<string> FromScripts(IEnumerable<(string Name, string Sql)> scripts)
    {
        var tables = new Dictionary<string, Table>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, sql) in scripts)
        {
            var parser = new TSql170Parser(initialQuotedIdentifiers: true);
            using var reader = new StringReader(sql);
            var fragment = parser.Parse(reader, out var errors);
            Assert.True(errors.Count == 0, $"{name} does not parse: {string.Join("; ", errors.Select(e => e.Message))}");
            foreach (var statement in ((TSqlScript)fragment).Batches.SelectMany(b => b.Statements))
                Apply(tables, statement, name);
        }

        var lines = new List<string>();
        foreach (var (tableName, table) in tables)
        {
            lines.Add($"{tableName}: table");
            foreach (var column in table.Columns)
                lines.Add(Schema.Column(tableName, column.Name, column.Type, column.Nullable && !table.PrimaryKey.Contains(column.Name)));
            if (table.PrimaryKey.Count > 0) lines.Add(Schema.PrimaryKey(tableName, table.PrimaryKey));
            foreach (var unique in table.UniqueConstraints) lines.Add(Schema.UniqueConstraint(tableName, unique));
            foreach (var key in table.ForeignKeys) lines.Add(Schema.ForeignKey(tableName, key.Columns, key.Referenced, key.ReferencedColumns));
            foreach (var (indexName, index) in table.Indexes) lines.Add(Schema.Index(tableName, indexName, index.Unique, index.Columns, index.Predicate));
        }
        return Schema.Sorted(lines);
    }

    private static void Apply(Dictionary<string, Table> tables, TSqlStatement statement, string script)
    {
        switch (statement)
        {
            case CreateTableStatement create:
                var table = new Table();
                tables.Add(create.SchemaObjectName.BaseIdentifier.Value, table);
                AddDefinition(table, create.Definition);
                break;
            case AlterTableAddTableElementStatement add:
                AddDefinition(tables[add.SchemaObjectName.BaseIdentifier.Value], add.Definition);
                break;
            case AlterTableAlterColumnStatement alter when alter.DataType is not null:
                var altered = tables[alter.SchemaObjectName.BaseIdentifier.Value];
                var at = altered.Columns.FindIndex(c => string.Equals(c.Name, alter.ColumnIdentifier.Value, StringComparison.OrdinalIgnoreCase));
                Assert.True(at >= 0, $"{script}: ALTER COLUMN of unknown column {alter.ColumnIdentifier.Value}");
                // ALTER COLUMN restates nullability; without NOT NULL the column becomes nullable.
                altered.Columns[at] = (altered.Columns[at].Name, LogicalType(alter.DataType), alter.AlterTableAlterColumnOption != AlterTableAlterColumnOption.NotNull);
                break;
            case AlterTableDropTableElementStatement drop:
                var from = tables[drop.SchemaObjectName.BaseIdentifier.Value];
                foreach (var element in drop.AlterTableDropTableElements)
                {
                    Assert.True(element.TableElementType == TableElementType.Column, $"{script}: only DROP COLUMN is replayed");
                    from.Columns.RemoveAll(c => string.Equals(c.Name, element.Name.Value, StringComparison.OrdinalIgnoreCase));
                }
                break;
            case CreateIndexStatement index:
                tables[index.OnName.BaseIdentifier.Value].Indexes.Add(index.Name.Value,
                    (index.Unique, index.Columns.Select(ColumnName).ToList(), index.FilterPredicate is null ? null : Script(index.FilterPredicate)));
                break;
            case DropIndexStatement dropIndex:
                foreach (var clause in dropIndex.DropIndexClauses.Cast<DropIndexClause>())
                    Assert.True(tables[clause.Object.BaseIdentifier.Value].Indexes.Remove(clause.Index.Value), $"{script}: DROP INDEX of unknown index {clause.Index.Value}");
                break;
            case DropTableStatement dropTable:
                foreach (var name in dropTable.Objects) Assert.True(tables.Remove(name.BaseIdentifier.Value), $"{script}: DROP TABLE of unknown table");
                break;
            case InsertStatement or UpdateStatement or DeleteStatement:
                break;
            default:
                Assert.Fail($"{script}: {statement.GetType().Name} is not replayed by the schema comparison; teach SqlServerSchema.Apply it");
                break;
        }
    }

    private static void AddDefinition(Table table, TableDefinition definition)
    {
        foreach (var column in definition.ColumnDefinitions)
        {
            var nullable = column.Constraints.OfType<NullableConstraintDefinition>().SingleOrDefault()?.Nullable ?? true;
            table.Columns.Add((column.ColumnIdentifier.Value, LogicalType(column.DataType), nullable));
            foreach (var unique in column.Constraints.OfType<UniqueConstraintDefinition>())
            {
                if (unique.IsPrimaryKey) table.PrimaryKey = [column.ColumnIdentifier.Value];
                else table.UniqueConstraints.Add([column.ColumnIdentifier.Value]);
            }
            foreach (var key in column.Constraints.OfType<ForeignKeyConstraintDefinition>())
                table.ForeignKeys.Add(([column.ColumnIdentifier.Value], key.ReferenceTableName.BaseIdentifier.Value, key.ReferencedTableColumns.Select(c => c.Value).ToList()));
        }
        foreach (var unique in definition.TableConstraints.OfType<UniqueConstraintDefinition>())
        {
            var columns = unique.Columns.Select(ColumnName).ToList();
            if (unique.IsPrimaryKey) table.PrimaryKey = columns;
            else table.UniqueConstraints.Add(columns);
        }
        foreach (var key in definition.TableConstraints.OfType<ForeignKeyConstraintDefinition>())
            table.ForeignKeys.Add((key.Columns.Select(c => c.Value).ToList(), key.ReferenceTableName.BaseIdentifier.Value, key.ReferencedTableColumns.Select(c => c.Value).ToList()));
    }

    private static string ColumnName(ColumnWithSortOrder column) => column.Column.MultiPartIdentifier.Identifiers[^1].Value;

    private static string Script(TSqlFragment fragment)
    {
        new Sql170ScriptGenerator().GenerateScript(fragment, out var text);
        return text;
    }

    /// <summary>The logical type of a T-SQL data type: FLOAT is FLOAT(53), a double; REAL and FLOAT(1–24) are single.</summary>
    private static string LogicalType(DataTypeReference type)
    {
        if (type is not SqlDataTypeReference sql) return "unknown:" + type.Name.BaseIdentifier.Value;
        var parameter = sql.Parameters.FirstOrDefault();
        var length = parameter switch
        {
            null => "max",
            MaxLiteral => "max",
            _ => parameter.Value,
        };
        return sql.SqlDataTypeOption switch
        {
            SqlDataTypeOption.Char or SqlDataTypeOption.VarChar or SqlDataTypeOption.NChar or SqlDataTypeOption.NVarChar => $"text({length})",
            SqlDataTypeOption.Text or SqlDataTypeOption.NText => "text(max)",
            SqlDataTypeOption.Int => "integer",
            SqlDataTypeOption.BigInt => "bigint",
            SqlDataTypeOption.SmallInt => "smallint",
            SqlDataTypeOption.Bit => "bool",
            SqlDataTypeOption.Float => parameter is Literal { Value: var bits } && int.Parse(bits, System.Globalization.CultureInfo.InvariantCulture) <= 24 ? "single" : "double",
            SqlDataTypeOption.Real => "single",
            SqlDataTypeOption.Decimal or SqlDataTypeOption.Numeric or SqlDataTypeOption.Money => "decimal",
            SqlDataTypeOption.Binary or SqlDataTypeOption.VarBinary or SqlDataTypeOption.Image => "blob",
            SqlDataTypeOption.Date => "date",
            SqlDataTypeOption.DateTime or SqlDataTypeOption.DateTime2 or SqlDataTypeOption.DateTimeOffset or SqlDataTypeOption.SmallDateTime => "timestamp",
            var other => "unknown:" + other,
        };
    }
}

/// <summary>The four services' built assemblies (their embedded migration scripts), loaded from their build output.</summary>
internal static class ServiceAssemblies
{
    public static readonly string[] Names = ["Certificates", "Competitions", "Courses", "JobPostings", "Insights"];

    public static Assembly Load(string name)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<Configuration>/net10.0
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ChongqingVet.Services.sln"))) root = root.Parent;
        Assert.NotNull(root);
        var path = Path.Combine(root!.FullName, "services", "ChongqingVet." + name, "bin", configuration, "net10.0", $"ChongqingVet.{name}.dll");
        Assert.True(File.Exists(path), $"{path} is not built");
        return Assembly.LoadFrom(path);
    }
}
