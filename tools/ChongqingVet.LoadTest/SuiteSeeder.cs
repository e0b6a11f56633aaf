using System.Data.Common;
using System.Globalization;
using System.Text;
using ChongqingVet.Certificates.Data;
using ChongqingVet.Certificates.Domain;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ChongqingVet.LoadTest;

/// <summary>
/// Seeds a scaled data set straight into the services' databases after their migrations and sample data ran: every
/// new row is a copy of a sample row (so every column holds a value the service itself wrote) with new keys and a new
/// learner, inserted as multi-row INSERTs in one transaction per service. Certificates get their own holder identity,
/// encrypted and blind-indexed by the certificates service's own <see cref="HolderIdentityProtector"/>.
/// Per learner: 3 certificates, 2 competition results, 4 enrolments (with their grade history), 1 placement (with its
/// ratings) — 10 evidence items. Learners are S0000001, S0000002, …; seeding can grow in steps (1,000 then 100,000).
/// </summary>
public sealed class SuiteSeeder(DatabaseProvider provider, IReadOnlyDictionary<string, string> connectionStrings)
{
    public const int CertificatesPerLearner = 3;
    public const int ResultsPerLearner = 2;
    public const int EnrolmentsPerLearner = 4;
    public const int PlacementsPerLearner = 1;
    public const int EvidencePerLearner = CertificatesPerLearner + ResultsPerLearner + EnrolmentsPerLearner + PlacementsPerLearner;

    /// <summary>The development keys the local suite's certificates service uses (DevelopmentKeys__Allow, no keys set).</summary>
    private readonly HolderIdentityProtector _identity = new(
        new AesGcmFieldCipher(DevelopmentKeys.Fixed("chongqingvet-dev-encryption")), DevelopmentKeys.Fixed("chongqingvet-dev-blind-index"));

    public int Learners { get; private set; }

    public int Postings { get; private set; }

    /// <summary>Seeded posting ids (up to 10,000 kept), for GetSkillGap.</summary>
    public List<string> PostingIds { get; } = [];

    /// <summary>Seeded certificates (number, holder name), up to 10,000 kept, for VerifyCertificate.</summary>
    public List<(string Number, string HolderName)> Certificates { get; } = [];

    public static string LearnerId(int n) => $"S{n:D7}";

    public static string HolderName(int n) => "学员" + n.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>A valid-in-form ID number for seeded learner <paramref name="n"/> (渝北 500112; unique below 7 million).</summary>
    public static string HolderIdNumber(int n, string division = "500112")
    {
        var birth = new DateOnly(1990, 1, 1).AddDays(n % 7000);
        var first17 = $"{division}{birth:yyyyMMdd}{n / 7000 % 1000:D3}";
        return first17 + NationalIdNumber.ComputeCheckCharacter(first17);
    }

    /// <summary>Adds learners until there are <paramref name="learners"/>; returns rows inserted.</summary>
    public async Task<long> GrowLearnersAsync(int learners)
    {
        if (learners <= Learners) return 0;
        var from = Learners + 1;
        var rows = 0L;
        rows += await SeedCertificatesAsync(from, learners);
        rows += await SeedResultsAsync(from, learners);
        rows += await SeedEnrolmentsAsync(from, learners);
        rows += await SeedPlacementsAsync(from, learners);
        foreach (var service in new[] { "certificates", "competitions", "courses", "jobpostings" }) await AnalyzeAsync(service);
        Learners = learners;
        return rows;
    }

    /// <summary>Adds copies of the sample postings (with their requirements) until there are <paramref name="postings"/> seeded ones.</summary>
    public async Task<long> GrowPostingsAsync(int postings)
    {
        if (postings <= Postings) return 0;
        await using var connection = await OpenAsync("jobpostings");
        await using var transaction = await connection.BeginTransactionAsync();
        var templates = await ReadAsync(connection, transaction, "SELECT * FROM job_postings WHERE id NOT LIKE 'seed-%' ORDER BY id");
        var requirementTable = await ReadAsync(connection, transaction, "SELECT * FROM posting_requirements WHERE posting_id NOT LIKE 'seed-%'");
        var postingId = templates.Column("id");
        var requirementPosting = requirementTable.Column("posting_id");
        var requirements = requirementTable.Rows.GroupBy(r => (string)r[requirementPosting]).ToDictionary(g => g.Key, g => g.ToList());
        var postingRows = new Inserter(connection, transaction, "job_postings", templates.Columns);
        var requirementRows = new Inserter(connection, transaction, "posting_requirements", requirementTable.Columns, postingRows);
        for (var n = Postings + 1; n <= postings; n++)
        {
            var template = templates.Rows[n % templates.Rows.Count];
            var id = $"seed-{n:D7}-{Guid.NewGuid():N}"[..36];
            if (PostingIds.Count < 10_000) PostingIds.Add(id);
            await postingRows.AddAsync(With(template, (postingId, id)));
            foreach (var requirement in requirements[(string)template[postingId]]) await requirementRows.AddAsync(With(requirement, (requirementPosting, id)));
        }
        var count = await postingRows.FlushAsync() + await requirementRows.FlushAsync();
        await transaction.CommitAsync();
        await AnalyzeAsync("jobpostings");
        Postings = postings;
        return count;
    }

    /// <summary>
    /// PostgreSQL: the planner's statistics after a bulk load, as PostgreSQL's documentation advises (autovacuum would
    /// take up to a minute, and until then a join planned without statistics can start from the wrong table). SQLite
    /// plans its look-ups by index without statistics; the services never run ANALYZE there.
    /// </summary>
    private async Task AnalyzeAsync(string service)
    {
        if (provider != DatabaseProvider.Postgres) return;
        await using var connection = await OpenAsync(service);
        await using var command = connection.CreateCommand();
        command.CommandText = "ANALYZE";
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> SeedCertificatesAsync(int from, int through)
    {
        await using var connection = await OpenAsync("certificates");
        await using var transaction = await connection.BeginTransactionAsync();
        var all = await ReadAsync(connection, transaction, "SELECT * FROM certificates WHERE status = 1 AND certificate_number NOT LIKE 'LT%' ORDER BY certificate_number");
        // One template per (type, level): a learner holds at most one active certificate of a type and level.
        var templates = all.Rows.GroupBy(r => (Convert.ToString(r[all.Column("type_code")], CultureInfo.InvariantCulture), Convert.ToInt64(r[all.Column("level")], CultureInfo.InvariantCulture)))
            .Select(g => g.First()).ToList();
        if (templates.Count < CertificatesPerLearner) throw new InvalidOperationException("the sample certificates have too few type/levels to copy");
        int number = all.Column("certificate_number"), learner = all.Column("learner_id"), nameEnc = all.Column("holder_name_enc"),
            nameIndex = all.Column("holder_name_index"), idEnc = all.Column("holder_id_enc"), idIndex = all.Column("holder_id_index"),
            masked = all.Column("holder_id_masked");
        var rows = new Inserter(connection, transaction, "certificates", all.Columns);
        for (var n = from; n <= through; n++)
        {
            var name = HolderName(n);
            var idNumber = HolderIdNumber(n);
            var nameIndexValue = _identity.NameIndex(name);
            var idIndexValue = _identity.IdNumberIndex(idNumber);
            var maskedValue = NationalIdNumber.Mask(idNumber);
            for (var k = 0; k < CertificatesPerLearner; k++)
            {
                var template = templates[(n * CertificatesPerLearner + k) % templates.Count];
                var certificateNumber = $"LT{n:D7}{k:D2}";
                if (Certificates.Count < 10_000 && k == 0) Certificates.Add((certificateNumber, name));
                await rows.AddAsync(With(template, (number, certificateNumber), (learner, LearnerId(n)), (nameEnc, _identity.Encrypt(name)),
                    (nameIndex, nameIndexValue), (idEnc, _identity.Encrypt(idNumber)), (idIndex, idIndexValue), (masked, maskedValue)));
            }
        }
        var count = await rows.FlushAsync();
        await transaction.CommitAsync();
        return count;
    }

    private async Task<long> SeedResultsAsync(int from, int through)
    {
        await using var connection = await OpenAsync("competitions");
        await using var transaction = await connection.BeginTransactionAsync();
        // Individual results only (one participant): a copy gets one new participant; one result per learner and event.
        var results = await ReadAsync(connection, transaction, """
            SELECT r.* FROM competition_results r
            WHERE r.id NOT LIKE 'seed-%' AND (SELECT COUNT(*) FROM result_participants p WHERE p.result_id = r.id) = 1
            ORDER BY r.id
            """);
        var participants = await ReadAsync(connection, transaction, "SELECT * FROM result_participants WHERE result_id NOT LIKE 'seed-%'");
        int resultId = results.Column("id"), competition = results.Column("competition_id"), eventCode = results.Column("event_code");
        int participantResult = participants.Column("result_id"), participantLearner = participants.Column("learner_id");
        var participantOf = participants.Rows.GroupBy(r => (string)r[participantResult]).ToDictionary(g => g.Key, g => g.First());
        var templates = results.Rows.GroupBy(r => ((string)r[competition], (string)r[eventCode])).Select(g => g.First()).ToList();
        if (templates.Count < ResultsPerLearner) throw new InvalidOperationException("the sample results have too few events to copy");
        var resultRows = new Inserter(connection, transaction, "competition_results", results.Columns);
        var participantRows = new Inserter(connection, transaction, "result_participants", participants.Columns, resultRows);
        for (var n = from; n <= through; n++)
        {
            for (var k = 0; k < ResultsPerLearner; k++)
            {
                var template = templates[(n * ResultsPerLearner + k) % templates.Count];
                var id = $"seed-{n:D7}-{k:D2}-{Guid.NewGuid():N}"[..36];
                await resultRows.AddAsync(With(template, (resultId, id)));
                await participantRows.AddAsync(With(participantOf[(string)template[resultId]], (participantResult, id), (participantLearner, LearnerId(n))));
            }
        }
        var count = await resultRows.FlushAsync() + await participantRows.FlushAsync();
        await transaction.CommitAsync();
        return count;
    }

    private async Task<long> SeedEnrolmentsAsync(int from, int through)
    {
        await using var connection = await OpenAsync("courses");
        await using var transaction = await connection.BeginTransactionAsync();
        var enrolments = await ReadAsync(connection, transaction, "SELECT * FROM enrollments WHERE id NOT LIKE 'seed-%' ORDER BY id");
        var history = await ReadAsync(connection, transaction, "SELECT * FROM grade_history WHERE enrollment_id NOT LIKE 'seed-%'");
        int id = enrolments.Column("id"), learner = enrolments.Column("learner_id"), course = enrolments.Column("course_code"), term = enrolments.Column("term");
        int historyEnrolment = history.Column("enrollment_id");
        var historyOf = history.Rows.GroupBy(r => (string)r[historyEnrolment]).ToDictionary(g => g.Key, g => g.ToList());
        // One template per (course, term): a learner enrols once per course and term.
        var templates = enrolments.Rows.GroupBy(r => ((string)r[course], (string)r[term])).Select(g => g.First()).ToList();
        if (templates.Count < EnrolmentsPerLearner) throw new InvalidOperationException("the sample enrolments have too few courses to copy");
        var enrolmentRows = new Inserter(connection, transaction, "enrollments", enrolments.Columns);
        var historyRows = new Inserter(connection, transaction, "grade_history", history.Columns, enrolmentRows);
        for (var n = from; n <= through; n++)
        {
            for (var k = 0; k < EnrolmentsPerLearner; k++)
            {
                var template = templates[(n * EnrolmentsPerLearner + k) % templates.Count];
                var newId = $"seed-{n:D7}-{k:D2}-{Guid.NewGuid():N}"[..36];
                await enrolmentRows.AddAsync(With(template, (id, newId), (learner, LearnerId(n))));
                if (historyOf.TryGetValue((string)template[id], out var revisions))
                    foreach (var revision in revisions) await historyRows.AddAsync(With(revision, (historyEnrolment, newId)));
            }
        }
        var count = await enrolmentRows.FlushAsync() + await historyRows.FlushAsync();
        await transaction.CommitAsync();
        return count;
    }

    private async Task<long> SeedPlacementsAsync(int from, int through)
    {
        await using var connection = await OpenAsync("jobpostings");
        await using var transaction = await connection.BeginTransactionAsync();
        var placements = await ReadAsync(connection, transaction, "SELECT * FROM placements WHERE id NOT LIKE 'seed-%' ORDER BY id");
        var ratings = await ReadAsync(connection, transaction, "SELECT * FROM placement_ratings WHERE placement_id NOT LIKE 'seed-%'");
        int id = placements.Column("id"), learner = placements.Column("learner_id"), ratingPlacement = ratings.Column("placement_id");
        var ratingsOf = ratings.Rows.GroupBy(r => (string)r[ratingPlacement]).ToDictionary(g => g.Key, g => g.ToList());
        var placementRows = new Inserter(connection, transaction, "placements", placements.Columns);
        var ratingRows = new Inserter(connection, transaction, "placement_ratings", ratings.Columns, placementRows);
        for (var n = from; n <= through; n++)
        {
            for (var k = 0; k < PlacementsPerLearner; k++)
            {
                var template = placements.Rows[(n + k) % placements.Rows.Count];
                var newId = $"seed-{n:D7}-{k:D2}-{Guid.NewGuid():N}"[..36];
                await placementRows.AddAsync(With(template, (id, newId), (learner, LearnerId(n))));
                if (ratingsOf.TryGetValue((string)template[id], out var list))
                    foreach (var rating in list) await ratingRows.AddAsync(With(rating, (ratingPlacement, newId)));
            }
        }
        var count = await placementRows.FlushAsync() + await ratingRows.FlushAsync();
        await transaction.CommitAsync();
        return count;
    }

    private static object[] With(object[] template, params (int Column, object Value)[] changes)
    {
        var row = (object[])template.Clone();
        foreach (var (column, value) in changes) row[column] = value;
        return row;
    }

    private async Task<DbConnection> OpenAsync(string service)
    {
        DbConnection connection = provider == DatabaseProvider.Sqlite
            ? new SqliteConnection(new SqliteConnectionStringBuilder(connectionStrings[service]) { DefaultTimeout = 120, Pooling = false }.ConnectionString)
            : new NpgsqlConnection(connectionStrings[service]);
        await connection.OpenAsync();
        return connection;
    }

    private sealed record Table(string[] Columns, List<object[]> Rows)
    {
        public int Column(string name) => Array.IndexOf(Columns, name) is var i and >= 0 ? i : throw new InvalidOperationException("no column " + name);
    }

    private static async Task<Table> ReadAsync(DbConnection connection, DbTransaction transaction, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }
        return new Table(columns, rows);
    }

    /// <summary>
    /// Multi-row INSERT … VALUES (…), (…) of up to 64 rows: one prepared command reused for every full batch (its
    /// parameter values replaced), a last shorter one for the tail. Small statements keep parameter binding cheap.
    /// </summary>
    private sealed class Inserter(DbConnection connection, DbTransaction transaction, string table, string[] columns, Inserter? parent = null)
    {
        private readonly List<object[]> _pending = [];
        private readonly int _rowsPerStatement = Math.Max(1, Math.Min(64, 999 / columns.Length));
        private DbCommand? _full;
        private long _inserted;

        public async Task AddAsync(object[] row)
        {
            _pending.Add(row);
            if (_pending.Count >= _rowsPerStatement) await WriteAsync();
        }

        public async Task<long> FlushAsync()
        {
            if (_pending.Count > 0) await WriteAsync();
            if (_full is not null) await _full.DisposeAsync();
            _full = null;
            return _inserted;
        }

        private async Task WriteAsync()
        {
            if (parent is not null) await parent.FlushAsync(); // rows that reference the parent's rows go after them
            if (_pending.Count == _rowsPerStatement)
            {
                _full ??= Create(_rowsPerStatement);
                await ExecuteAsync(_full);
            }
            else
            {
                await using var tail = Create(_pending.Count);
                await ExecuteAsync(tail);
            }
            _inserted += _pending.Count;
            _pending.Clear();
        }

        private async Task ExecuteAsync(DbCommand command)
        {
            var p = 0;
            foreach (var row in _pending)
                foreach (var value in row) command.Parameters[p++].Value = value;
            await command.ExecuteNonQueryAsync();
        }

        private DbCommand Create(int rows)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder("INSERT INTO ").Append(table).Append(" (").Append(string.Join(", ", columns)).Append(") VALUES ");
            var p = 0;
            for (var r = 0; r < rows; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Length; c++)
                {
                    var name = "@p" + p.ToString(CultureInfo.InvariantCulture);
                    sql.Append(c == 0 ? "" : ", ").Append(name);
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = name;
                    command.Parameters.Add(parameter);
                    p++;
                }
                sql.Append(')');
            }
            command.CommandText = sql.ToString();
            return command;
        }
    }
}
