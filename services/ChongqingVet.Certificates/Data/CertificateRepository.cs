using System.Data.Common;
using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Matching;
using ChongqingVet.Domain.Time;
using Dapper;

namespace ChongqingVet.Certificates.Data;

/// <summary>Issued certificates. Holder identity is stored only encrypted, with blind indexes for exact lookup.</summary>
public sealed class CertificateRepository(IDbConnectionFactory database, HolderIdentityProtector identity, TimeProvider clock)
{
    private const string Resource = "Certificate";

    private const string Columns = """
        certificate_number AS CertificateNumber, type_code AS TypeCode, level AS Level, learner_id AS LearnerId,
        holder_name_enc AS HolderNameEnc, holder_id_masked AS HolderIdMasked, issuing_organisation AS IssuingOrganisation,
        issue_date AS IssueDate, expire_date AS ExpireDate, status AS Status, revocation_reason AS RevocationReason,
        revoked_at AS RevokedAt, version AS Version, created_at AS CreatedAt
        """;

    // Serials are allocated per number prefix (DOMAIN.md §8), never per type: two types of one body share a prefix.
    // Advance first: the UPDATE locks the prefix's row, so concurrent issuers never read the same serial. One round trip
    // (no row: the prefix has no counter yet).
    private const string AdvanceAndReadSerialSql = """
        UPDATE certificate_serials SET next_serial = next_serial + @Count WHERE prefix = @Prefix;
        SELECT next_serial FROM certificate_serials WHERE prefix = @Prefix
        """;
    private const string InsertSerialSql = "INSERT INTO certificate_serials (prefix, next_serial) VALUES (@Prefix, 2)";
    private const string SerialExistsSql = "SELECT COUNT(*) FROM certificate_serials WHERE prefix = @Prefix";
    private const string InsertUnusedSerialSql = "INSERT INTO certificate_serials (prefix, next_serial) VALUES (@Prefix, 1)";
    private const string LockSerialSql = "UPDATE certificate_serials SET next_serial = next_serial WHERE prefix = @Prefix";

    // Body and site codes are assigned from a table with a unique index, one per owner; assigners of one kind queue on
    // the kind's counter row (the no-op UPDATE takes its row lock), so two owners can never get the same code.
    private const string LockCodeCounterSql = "UPDATE certificate_code_counters SET next_code = next_code WHERE kind = @Kind";
    private const string ReadCodeCounterSql = "SELECT next_code FROM certificate_code_counters WHERE kind = @Kind";
    private const string AdvanceCodeCounterSql = "UPDATE certificate_code_counters SET next_code = next_code + 1 WHERE kind = @Kind";
    private const string SelectCodeSql = "SELECT code FROM certificate_number_codes WHERE kind = @Kind AND owner = @Owner";
    private const string InsertCodeSql = "INSERT INTO certificate_number_codes (kind, owner, code) VALUES (@Kind, @Owner, @Code)";

    /// <summary>The lock row taken before a prefix gets its first serial row, so two issuers never insert the same prefix.</summary>
    private const string PrefixLockKind = "prefix";

    private const string ExpireOldSql = """
        UPDATE certificates SET status = @Expired, version = version + 1
        WHERE holder_id_index IN @HolderIdIndexes AND type_code = @TypeCode AND level = @Level AND status = @Active
          AND expire_date IS NOT NULL AND expire_date < @Today
        """;

    // Inserts nothing when the number is taken already (outside the counter: none should be); the issuer then takes the
    // next serial. The check and the insert are one round trip.
    private const string InsertUnlessNumberTakenSql = """
        INSERT INTO certificates (certificate_number, type_code, level, learner_id, holder_name_enc, holder_name_index,
            holder_id_enc, holder_id_index, holder_id_masked, issuing_organisation, issue_date, expire_date, status,
            revocation_reason, revoked_at, version, created_at)
        SELECT @CertificateNumber, @TypeCode, @Level, @LearnerId, @HolderNameEnc, @HolderNameIndex,
            @HolderIdEnc, @HolderIdIndex, @HolderIdMasked, @IssuingOrganisation, @IssueDate, @ExpireDate, @Active,
            NULL, NULL, 1, @CreatedAt
        WHERE NOT EXISTS (SELECT 1 FROM certificates WHERE certificate_number = @CertificateNumber)
        """;

    private const string ActiveHolderSql = """
        SELECT certificate_number FROM certificates
        WHERE holder_id_index IN @HolderIdIndexes AND type_code = @TypeCode AND level = @Level AND status = @Active
        """;

    private const string SelectByNumberSql = "SELECT " + Columns + " FROM certificates WHERE certificate_number = @Number";

    private const string VerifySql = """
        SELECT c.certificate_number AS CertificateNumber, c.type_code AS TypeCode, c.level AS Level, c.issue_date AS IssueDate,
               c.expire_date AS ExpireDate, c.status AS Status, t.name AS TypeName,
               c.holder_name_index AS HolderNameIndex, c.holder_id_index AS HolderIdIndex
        FROM certificates c JOIN certificate_types t ON t.code = c.type_code
        WHERE c.certificate_number = @Number
        """;

    // Two forms, so a learner's list walks ix_certificates_learner (learner_id, certificate_number) instead of the whole
    // table: "(@LearnerId = '' OR learner_id = @LearnerId)" keeps the planner from using the index.
    private const string ListSql = "SELECT " + Columns + " FROM certificates WHERE certificate_number > @After" + ListFilters;
    private const string ListByLearnerSql = "SELECT " + Columns + " FROM certificates WHERE learner_id = @LearnerId AND certificate_number > @After" + ListFilters;

    private const string ListFilters = """

          AND (@TypeCode = '' OR type_code = @TypeCode)
          AND (@Status = @Unspecified
               OR (@Status = @Active AND status = @Active AND (expire_date IS NULL OR expire_date >= @Today))
               OR (@Status = @Expired AND (status = @Expired OR (status = @Active AND expire_date < @Today)))
               OR (@Status = @Revoked AND status = @Revoked))
        ORDER BY certificate_number
        """;

    private const string RevokeSql = """
        UPDATE certificates SET status = @Revoked, revocation_reason = @Reason, revoked_at = @Now, version = version + 1
        WHERE certificate_number = @Number AND version = @Version AND status <> @Revoked
        """;

    // One row per skill attested by each active, unexpired certificate of the learner.
    private const string EvidenceSelectSql = """
        SELECT c.certificate_number AS CertificateNumber, s.skill_code AS SkillCode, s.skill_level AS SkillLevel,
               t.name AS TypeName, t.organisation_name AS Issuer, c.issue_date AS IssueDate, c.expire_date AS ExpireDate
        FROM certificates c
        JOIN certificate_types t ON t.code = c.type_code
        JOIN certificate_type_skills s ON s.type_code = c.type_code AND s.level = c.level
        WHERE c.learner_id = @LearnerId AND c.status = @Active AND (c.expire_date IS NULL OR c.expire_date >= @Today)
        """;

    private const string EvidenceSql = EvidenceSelectSql + """
          AND (c.certificate_number > @AfterNumber OR (c.certificate_number = @AfterNumber AND s.skill_code > @AfterSkill))
        ORDER BY c.certificate_number, s.skill_code
        """;

    // The evidence of one page of ListAsync(learner): its certificates are those numbered after @After up to @Through.
    private const string EvidenceOfPageSql = EvidenceSelectSql + """
          AND c.certificate_number > @After AND c.certificate_number <= @Through
        ORDER BY c.certificate_number, s.skill_code
        """;

    /// <summary>The request's holder as a row stores it (sealed, indexed, masked).</summary>
    public ProtectedHolder Protect(IssueCertificateRequest request) => identity.Protect(request.HolderName, request.HolderIdNumber);

    /// <summary>
    /// Stores one certificate inside the caller's transaction under the next number of its prefix. The use case
    /// (IssueCertificate, ImportCertificates) has checked every rule and locked the counters; the active-holder unique
    /// index still guards the race on databases where its check cannot see a concurrent twin (ALREADY_EXISTS).
    /// </summary>
    public async Task<Certificate> IssueAsync(DbConnection connection, DbTransaction transaction, CertificateType type, IssueCertificateRequest request,
        CancellationToken cancellationToken, NumberCodes? codes = null)
    {
        var holder = Protect(request);
        var prefix = await PrefixAsync(connection, transaction, type, request, cancellationToken, codes);
        var createdAt = clock.GetUtcNow().ToUnixTimeMilliseconds();
        while (true)
        {
            var row = NewRow(type, request, holder, await NextNumberAsync(connection, transaction, prefix, cancellationToken), createdAt);
            if (await InsertUnlessNumberTakenAsync(connection, transaction, type, request, row, holder, cancellationToken))
            {
                // Without the name: this response is also stored for idempotent replay, and names are stored only encrypted.
                return await CertificateChanges.AppendAsync(connection, transaction, ChangeKind.Issued, ToMessage(row, includeHolderName: false), clock, cancellationToken);
            }
        }
    }

    private async Task<bool> InsertUnlessNumberTakenAsync(DbConnection connection, DbTransaction transaction, CertificateType type, IssueCertificateRequest request,
        CertificateRow row, ProtectedHolder holder, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.ExecuteAsync(new CommandDefinition(InsertUnlessNumberTakenSql, new
            {
                row.CertificateNumber,
                row.TypeCode,
                row.Level,
                row.LearnerId,
                HolderNameEnc = holder.NameCipher,
                HolderNameIndex = holder.NameIndex,
                HolderIdEnc = holder.IdNumberCipher,
                HolderIdIndex = holder.IdNumberIndex,
                row.HolderIdMasked,
                row.IssuingOrganisation,
                row.IssueDate,
                row.ExpireDate,
                row.CreatedAt,
                StoredStatus.Active,
            }, transaction, cancellationToken: cancellationToken)) == 1;
        }
        catch (Exception exception) when (database.Dialect.IsUniqueViolation(exception))
        {
            // Only the active-holder index means "already holds one"; a taken number is never reported as that rule.
            if (IsActiveHolderViolation(exception)) throw IssueCertificate.ActiveCertificateExists(type, request.Level);
            throw new FailedPreconditionException("CERTIFICATE_NUMBER_TAKEN",
                $"The certificate number '{row.CertificateNumber}' allocated for this issuance is already taken; nothing was issued.")
            {
                Metadata = new Dictionary<string, string> { ["certificate_number"] = row.CertificateNumber },
            };
        }
    }

    /// <summary>The stored row of a new certificate (ACTIVE, version 1, expiry from the type's validity), as the insert writes it.</summary>
    private static CertificateRow NewRow(CertificateType type, IssueCertificateRequest request, ProtectedHolder holder, string number, long createdAt)
    {
        var issueDate = request.IssueDate.ToDateOnly()!.Value;
        return new CertificateRow
        {
            CertificateNumber = number,
            TypeCode = type.Code,
            Level = (int)request.Level,
            LearnerId = request.LearnerId,
            HolderIdMasked = holder.IdNumberMasked,
            IssuingOrganisation = request.IssuingOrganisation.Trim(),
            IssueDate = issueDate.ToStoredDate(),
            ExpireDate = CertificateRules.ExpiryDate(issueDate, type.ValidityMonths)?.ToStoredDate(),
            Status = StoredStatus.Active,
            Version = 1,
            CreatedAt = createdAt,
        };
    }

    /// <summary>
    /// Takes every counter row lock that issuing <paramref name="issues"/> can take, in one fixed order, before any of
    /// them is issued: body codes, then site codes (each in ordinal order of their owners), then the prefix lock row
    /// (only when a serial row is missing; the missing rows are created under it), then the serial rows in ordinal
    /// order of their prefixes. The issuances that follow in the same transaction only re-take locks it holds, so two
    /// batches over overlapping prefixes queue instead of deadlocking. On SQLite (one writer at a time) it is cheap.
    /// </summary>
    public async Task LockCountersAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<(CertificateType Type, IssueCertificateRequest Request)> issues, CancellationToken cancellationToken,
        NumberCodes? codes = null)
    {
        var national = issues.Where(i => i.Type.Kind == CertificateKind.MohrssSkillLevel).ToList();
        foreach (var body in national.Select(i => i.Type.OrganisationCreditCode).Distinct().Order(StringComparer.Ordinal))
            await CodeForAsync(connection, transaction, "body", body, CertificateRules.BodyCodeDigits, cancellationToken, codes);
        foreach (var site in national.Select(i => SiteOwner(i.Request.IssuingOrganisation)).Distinct().Order(StringComparer.Ordinal))
            await CodeForAsync(connection, transaction, "site", site, CertificateRules.SiteCodeDigits, cancellationToken, codes);

        var prefixes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (type, request) in issues.DistinctBy(i => PrefixInputs(i.Type, i.Request)))
            prefixes.Add(await PrefixAsync(connection, transaction, type, request, cancellationToken, codes));
        var missing = new List<string>();
        foreach (var prefix in prefixes)
        {
            if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(SerialExistsSql, new { Prefix = prefix }, transaction, cancellationToken: cancellationToken)) == 0)
                missing.Add(prefix);
        }
        if (missing.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(LockCodeCounterSql, new { Kind = PrefixLockKind }, transaction, cancellationToken: cancellationToken));
            foreach (var prefix in missing)
            {
                if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(SerialExistsSql, new { Prefix = prefix }, transaction, cancellationToken: cancellationToken)) == 0)
                    await connection.ExecuteAsync(new CommandDefinition(InsertUnusedSerialSql, new { Prefix = prefix }, transaction, cancellationToken: cancellationToken));
            }
        }
        foreach (var prefix in prefixes)
            await connection.ExecuteAsync(new CommandDefinition(LockSerialSql, new { Prefix = prefix }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>What an issuance's number prefix depends on (two issuances with equal inputs share the prefix).</summary>
    private static (string Type, string Site, CertificateLevel Level, int Year) PrefixInputs(CertificateType type, IssueCertificateRequest request) =>
        type.Kind == CertificateKind.MohrssSkillLevel
            ? (type.Code, SiteOwner(request.IssuingOrganisation), request.Level, request.IssueDate.Year)
            : (type.Code, string.Empty, CertificateLevel.Unspecified, request.IssueDate.Year);

    /// <summary>The certificate number prefix of an issuance (assigning the body and site codes on first use).</summary>
    private static async Task<string> PrefixAsync(DbConnection connection, DbTransaction transaction, CertificateType type, IssueCertificateRequest request,
        CancellationToken cancellationToken, NumberCodes? codes = null)
    {
        var issueDate = request.IssueDate.ToDateOnly()!.Value;
        return type.Kind == CertificateKind.MohrssSkillLevel
            ? CertificateRules.MohrssPrefix(
                await CodeForAsync(connection, transaction, "body", type.OrganisationCreditCode, CertificateRules.BodyCodeDigits, cancellationToken, codes),
                await CodeForAsync(connection, transaction, "site", SiteOwner(request.IssuingOrganisation), CertificateRules.SiteCodeDigits, cancellationToken, codes),
                request.Level, issueDate.Year)
            : CertificateRules.TypeYearPrefix(type.Code, issueDate.Year);
    }

    // ---- Batch issuance (ImportCertificates): a fixed number of statements per batch, not per item ----

    // Numbers inside an allocated range that exist already (taken outside the counter: none should be).
    private const string NumbersInRangeSql = """
        SELECT certificate_number FROM certificates WHERE certificate_number >= @First AND certificate_number <= @Last
        """;

    // A list parameter: PostgreSQL runs it as "= ANY(@Indexes)" (SqlBulk.WithInLists). status = 1 (StoredStatus.Active)
    // is a literal so that SQLite can use the partial index ux_certificates_active_holder (WHERE status = 1): it
    // cannot prove a bound parameter equal to the index's predicate.
    private const string ExpireLapsedManySql = """
        UPDATE certificates SET status = @Expired, version = version + 1
        WHERE type_code = @TypeCode AND level = @Level AND status = 1 AND holder_id_index IN @Indexes
          AND expire_date IS NOT NULL AND expire_date < @Today
        """;

    private const string ActiveHoldersSql = """
        SELECT holder_id_index AS HolderIdIndex, certificate_number AS CertificateNumber FROM certificates
        WHERE type_code = @TypeCode AND level = @Level AND status = 1 AND holder_id_index IN @Indexes
        """;

    // SQLite: the indexes as one JSON parameter of hex strings (SqlBulk.JsonList), not one parameter each (SQLite's
    // named-parameter binding is linear in a statement's parameters). Both still search ux_certificates_active_holder.
    private const string ExpireLapsedManySqliteSql = """
        UPDATE certificates SET status = @Expired, version = version + 1
        WHERE type_code = @TypeCode AND level = @Level AND status = 1
          AND holder_id_index IN (SELECT unhex(value) FROM json_each(@Indexes))
          AND expire_date IS NOT NULL AND expire_date < @Today
        """;

    private const string ActiveHoldersSqliteSql = """
        SELECT holder_id_index AS HolderIdIndex, certificate_number AS CertificateNumber FROM certificates
        WHERE type_code = @TypeCode AND level = @Level AND status = 1
          AND holder_id_index IN (SELECT unhex(value) FROM json_each(@Indexes))
        """;

    /// <summary>The columns a batch inserts (revocation_reason and revoked_at stay NULL), in order.</summary>
    private static readonly BulkColumn[] InsertColumns =
    [
        new("certificate_number", "text", typeof(string)),
        new("type_code", "text", typeof(string)),
        new("level", "integer", typeof(int)),
        new("learner_id", "text", typeof(string)),
        new("holder_name_enc", "bytea", typeof(byte[])),
        new("holder_name_index", "bytea", typeof(byte[])),
        new("holder_id_enc", "bytea", typeof(byte[])),
        new("holder_id_index", "bytea", typeof(byte[])),
        new("holder_id_masked", "text", typeof(string)),
        new("issuing_organisation", "text", typeof(string)),
        new("issue_date", "text", typeof(string)),
        new("expire_date", "text", typeof(string)),
        new("status", "integer", typeof(int)),
        new("version", "bigint", typeof(long)),
        new("created_at", "bigint", typeof(long)),
    ];

    /// <summary>
    /// The active-holder rule for a batch (<see cref="IssueCertificate.HeldActiveAsync"/> per issuance): per type and
    /// level, one UPDATE marks the holders' lapsed certificates EXPIRED and one SELECT reads the active ones. Returns,
    /// in order, the number of the active certificate each holder already holds (null: none).
    /// </summary>
    public async Task<IReadOnlyList<string?>> HeldActiveManyAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<ImportIssue> issues, DateOnly today, CancellationToken cancellationToken)
    {
        var held = new string?[issues.Count];
        // Every configured scheme's index per issuance: a holder's rows may still be under the previous scheme.
        var indexes = issues.Select(i => i.Holder?.IdNumberIndexes ?? identity.IdNumberIndexes(NationalIdNumber.Normalize(i.Request.HolderIdNumber))).ToArray();
        var sqlite = database.Dialect.Provider == DatabaseProvider.Sqlite;
        var expireSql = sqlite ? ExpireLapsedManySqliteSql : database.Dialect.WithInLists(ExpireLapsedManySql);
        var activeSql = sqlite ? ActiveHoldersSqliteSql : database.Dialect.WithInLists(ActiveHoldersSql);
        foreach (var group in Enumerable.Range(0, issues.Count).GroupBy(i => (issues[i].Type.Code, issues[i].Request.Level)))
        {
            var active = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var chunk in group.SelectMany(i => indexes[i]).DistinctBy(Convert.ToBase64String).Chunk(SqlBulk.MaxListLength))
            {
                var parameters = new
                {
                    TypeCode = group.Key.Code,
                    Level = (int)group.Key.Level,
                    Indexes = sqlite ? SqlBulk.JsonList(chunk) : (object)chunk,
                    Today = today.ToStoredDate(),
                    StoredStatus.Expired,
                };
                await connection.ExecuteAsync(new CommandDefinition(expireSql, parameters, transaction, cancellationToken: cancellationToken));
                foreach (var row in await connection.QueryAsync<ActiveHolderRow>(new CommandDefinition(activeSql, parameters, transaction, cancellationToken: cancellationToken)))
                    active[Convert.ToBase64String(row.HolderIdIndex)] = row.CertificateNumber;
            }
            foreach (var i in group)
                held[i] = indexes[i].Select(index => active.GetValueOrDefault(Convert.ToBase64String(index))).FirstOrDefault(n => n is not null);
        }
        return held;
    }

    /// <summary>
    /// Stores a batch of certificates inside the caller's transaction (after <see cref="LockCountersAsync"/>, which
    /// holds every counter row they need): each prefix's serials are taken with one counter update (consecutive
    /// numbers, in the order of <paramref name="issues"/>), the rows go in with multi-row statements
    /// (<see cref="SqlBulk"/>), nothing is read back. The use case has applied every rule; a unique index that refuses
    /// a row (a concurrent writer's twin) fails the whole statement with the engine's unique violation.
    /// Returns the certificates as <see cref="GetAsync(DbConnection, DbTransaction?, string, bool, CancellationToken)"/>
    /// would read them without the holder name.
    /// </summary>
    public async Task<IReadOnlyList<Certificate>> IssueManyAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<ImportIssue> issues, CancellationToken cancellationToken, NumberCodes? codes = null)
    {
        if (issues.Count == 0) return [];
        var prefixOf = new Dictionary<(string, string, CertificateLevel, int), string>();
        var prefixes = new string[issues.Count];
        for (var i = 0; i < issues.Count; i++)
        {
            var inputs = PrefixInputs(issues[i].Type, issues[i].Request);
            if (!prefixOf.TryGetValue(inputs, out var prefix))
                prefixOf[inputs] = prefix = await PrefixAsync(connection, transaction, issues[i].Type, issues[i].Request, cancellationToken, codes);
            prefixes[i] = prefix;
        }
        // Numbers per prefix, in ordinal order of the prefixes (the order their rows were locked in).
        var numbers = new Dictionary<string, Queue<string>>(StringComparer.Ordinal);
        foreach (var group in prefixes.GroupBy(p => p, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            numbers[group.Key] = await AllocateNumbersAsync(connection, transaction, group.Key, group.Count(), cancellationToken);

        var createdAt = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var rows = new object?[issues.Count][];
        var certificates = new Certificate[issues.Count];
        for (var i = 0; i < issues.Count; i++)
        {
            var (type, request, protectedHolder) = issues[i];
            var holder = protectedHolder ?? Protect(request);
            var row = NewRow(type, request, holder, numbers[prefixes[i]].Dequeue(), createdAt);
            rows[i] =
            [
                row.CertificateNumber, row.TypeCode, row.Level, row.LearnerId,
                holder.NameCipher, holder.NameIndex, holder.IdNumberCipher, holder.IdNumberIndex, row.HolderIdMasked,
                row.IssuingOrganisation, row.IssueDate, row.ExpireDate, row.Status, row.Version, row.CreatedAt,
            ];
            certificates[i] = ToMessage(row, includeHolderName: false);
        }
        await SqlBulk.InsertAsync(connection, transaction, database.Dialect, "certificates", InsertColumns, rows.Length, (r, c) => rows[r][c], cancellationToken);
        return await CertificateChanges.AppendIssuedAsync(connection, transaction, certificates, clock, cancellationToken);
    }

    /// <summary>
    /// <paramref name="count"/> free numbers of the prefix, consecutive unless some were taken outside the counter
    /// (those are skipped, as a single issuance skips them): one counter update and one range read per round.
    /// </summary>
    private static async Task<Queue<string>> AllocateNumbersAsync(DbConnection connection, DbTransaction transaction, string prefix, int count, CancellationToken cancellationToken)
    {
        var numbers = new Queue<string>(count);
        while (numbers.Count < count)
        {
            var wanted = count - numbers.Count;
            // Serials of a whole batch: one counter update per prefix (its row is locked by LockCountersAsync).
            var next = await AdvanceSerialAsync(connection, transaction, prefix, wanted, cancellationToken)
                ?? throw new InvalidOperationException($"The serial counter of prefix '{prefix}' is missing; LockCountersAsync creates it.");
            long first = next - wanted, last = next - 1;
            if (last > CertificateRules.MaxSerial)
            {
                throw new FailedPreconditionException("CERTIFICATE_SERIALS_EXHAUSTED",
                    $"The 6-digit serials of certificate number prefix '{prefix}' are used up.")
                {
                    Metadata = new Dictionary<string, string> { ["prefix"] = prefix },
                };
            }
            var taken = (await connection.QueryAsync<string>(new CommandDefinition(NumbersInRangeSql,
                new { First = CertificateRules.FormatNumber(prefix, first), Last = CertificateRules.FormatNumber(prefix, last) },
                transaction, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
            for (var serial = first; serial <= last; serial++)
            {
                var number = CertificateRules.FormatNumber(prefix, serial);
                if (!taken.Contains(number)) numbers.Enqueue(number);
            }
        }
        return numbers;
    }

    /// <summary>Marks the holder's stored-ACTIVE certificates of the type and level that expired before <paramref name="today"/> as EXPIRED.</summary>
    public async Task ExpireLapsedAsync(DbConnection connection, DbTransaction transaction, string typeCode, CertificateLevel level, string idNumber, DateOnly today,
        CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(database.Dialect.WithInLists(ExpireOldSql), new
        {
            HolderIdIndexes = identity.IdNumberIndexes(NationalIdNumber.Normalize(idNumber)),
            TypeCode = typeCode,
            Level = (int)level,
            Today = today.ToStoredDate(),
            StoredStatus.Active,
            StoredStatus.Expired,
        }, transaction, cancellationToken: cancellationToken));

    /// <summary>The number of the holder's stored-ACTIVE certificate of this type and level, if any.</summary>
    public async Task<string?> FindActiveAsync(DbConnection connection, DbTransaction transaction, string typeCode, CertificateLevel level, string idNumber, CancellationToken cancellationToken) =>
        await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(database.Dialect.WithInLists(ActiveHolderSql), new
        {
            HolderIdIndexes = identity.IdNumberIndexes(NationalIdNumber.Normalize(idNumber)),
            TypeCode = typeCode,
            Level = (int)level,
            StoredStatus.Active,
        }, transaction, cancellationToken: cancellationToken));

    public async Task<Certificate?> GetAsync(string number, bool includeHolderName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, number, includeHolderName, cancellationToken);
    }

    public async Task<Certificate?> GetAsync(DbConnection connection, DbTransaction? transaction, string number, bool includeHolderName, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<CertificateRow>(new CommandDefinition(SelectByNumberSql, new { Number = number }, transaction, cancellationToken: cancellationToken));
        return row is null ? null : ToMessage(row, includeHolderName);
    }

    public async Task<Page<Certificate>> ListAsync(string after, string learnerId, string typeCode, CertificateStatus status, int pageSize, bool includeHolderNames, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<CertificateRow>(new CommandDefinition((string.IsNullOrEmpty(learnerId) ? ListSql : ListByLearnerSql) + database.Dialect.Limit(), new
        {
            After = after,
            LearnerId = learnerId,
            TypeCode = typeCode,
            Status = (int)status,
            StoredStatus.Unspecified,
            StoredStatus.Active,
            StoredStatus.Expired,
            StoredStatus.Revoked,
            Today = ChinaTime.Today(clock).ToStoredDate(),
            Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<CertificateRow>.FromRows(rows, pageSize);
        return new Page<Certificate>(page.Items.Select(r => ToMessage(r, includeHolderNames)).ToArray(), page.HasMore);
    }

    public async Task<Certificate> RevokeAsync(DbConnection connection, DbTransaction transaction, string number, string reason, long expectedVersion, CancellationToken cancellationToken)
    {
        var rows = await connection.ExecuteAsync(new CommandDefinition(RevokeSql, new
        {
            Number = number,
            Reason = reason.Trim(),
            Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            Version = expectedVersion,
            StoredStatus.Revoked,
        }, transaction, cancellationToken: cancellationToken));
        Etags.EnsureUpdated(rows, exists: true, Resource, number); // the use case loaded it in this transaction
        return await CertificateChanges.AppendAsync(connection, transaction, ChangeKind.Revoked,
            (await GetAsync(connection, transaction, number, includeHolderName: false, cancellationToken))!, clock, cancellationToken);
    }

    /// <summary>Public verification: NOT_FOUND unless the number exists and the holder matches exactly.</summary>
    public async Task<VerifyCertificateResponse> VerifyAsync(string number, string? holderName, string? holderIdNumber, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<VerifyRow>(new CommandDefinition(VerifySql, new { Number = number }, cancellationToken: cancellationToken));
        var matches = row is not null && (holderName is not null
            ? identity.MatchesName(row.HolderNameIndex, holderName)
            : identity.MatchesIdNumber(row.HolderIdIndex, holderIdNumber ?? string.Empty));
        if (!matches) return new VerifyCertificateResponse { Result = VerificationResult.NotFound };

        var expire = row!.ExpireDate is null ? (DateOnly?)null : DateOnly.Parse(row.ExpireDate, System.Globalization.CultureInfo.InvariantCulture);
        var status = CertificateRules.EffectiveStatus((CertificateStatus)row.Status, expire, ChinaTime.Today(clock));
        return new VerifyCertificateResponse
        {
            Result = status switch
            {
                CertificateStatus.Revoked => VerificationResult.Revoked,
                CertificateStatus.Expired => VerificationResult.Expired,
                _ => VerificationResult.Valid,
            },
            TypeCode = row.TypeCode,
            TypeName = row.TypeName,
            Level = (CertificateLevel)row.Level,
            IssueDate = ProtoConversions.ParseStoredDate(row.IssueDate),
            ExpireDate = ProtoConversions.ParseStoredDate(row.ExpireDate),
        };
    }

    public async Task<(IReadOnlyList<SkillEvidence> Evidence, (string Number, string Skill)? Next)> ListEvidenceAsync(
        string learnerId, (string Number, string Skill) after, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<EvidenceRow>(new CommandDefinition(EvidenceSql + database.Dialect.Limit(), new
        {
            LearnerId = learnerId,
            StoredStatus.Active,
            Today = ChinaTime.Today(clock).ToStoredDate(),
            AfterNumber = after.Number,
            AfterSkill = after.Skill,
            Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<EvidenceRow>.FromRows(rows, pageSize);
        var last = page.Items.LastOrDefault();
        return (page.Items.Select(ToEvidence).ToArray(), page.HasMore && last is not null ? (last.CertificateNumber, last.SkillCode) : null);
    }

    /// <summary>The evidence of the learner's certificates numbered after <paramref name="after"/> up to <paramref name="through"/>.</summary>
    public async Task<IReadOnlyList<SkillEvidence>> EvidenceOfPageAsync(string learnerId, string after, string through, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<EvidenceRow>(new CommandDefinition(EvidenceOfPageSql, new
        {
            LearnerId = learnerId,
            StoredStatus.Active,
            Today = ChinaTime.Today(clock).ToStoredDate(),
            After = after,
            Through = through,
        }, cancellationToken: cancellationToken));
        return rows.Select(ToEvidence).ToArray();
    }

    /// <summary>The resource name of a certificate, as its evidence names its source.</summary>
    public static string NameOf(string certificateNumber) => "certificates/" + certificateNumber;

    private static SkillEvidence ToEvidence(EvidenceRow row) => new()
    {
        SkillCode = row.SkillCode,
        Level = (SkillLevel)row.SkillLevel,
        SourceKind = EvidenceSourceKind.Certificate,
        SourceName = NameOf(row.CertificateNumber),
        Title = row.TypeName,
        Issuer = row.Issuer,
        AchieveTime = StartOfDay(row.IssueDate),
        ExpireTime = row.ExpireDate is null ? null : StartOfDay(row.ExpireDate),
        Weight = EvidenceWeights.Attested,
    };

    private static Google.Protobuf.WellKnownTypes.Timestamp StartOfDay(string date) =>
        Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(ChinaTime.StartOfDay(date));

    /// <summary>
    /// Whether a unique violation comes from ux_certificates_active_holder: PostgreSQL and SQL Server name the index
    /// in the message, SQLite names its columns (certificates.holder_id_index, ...).
    /// </summary>
    private static bool IsActiveHolderViolation(Exception exception) =>
        exception.Message.Contains("ux_certificates_active_holder", StringComparison.Ordinal)
        || exception.Message.Contains("certificates.holder_id_index", StringComparison.Ordinal);

    /// <summary>The site's identity for its code: the issuing organisation as stored (trimmed), NFKC-normalised.</summary>
    private static string SiteOwner(string issuingOrganisation) =>
        issuingOrganisation.Trim().Normalize(System.Text.NormalizationForm.FormKC);

    /// <summary>
    /// The code of <paramref name="owner"/> (an evaluation body's credit code, or a site), assigned on first use from the
    /// kind's counter. Assigners queue on the counter row, then look again, so one owner never gets two codes and two
    /// owners never one (the unique index on (kind, code) makes that impossible, not merely unlikely).
    /// </summary>
    private static async Task<string> CodeForAsync(DbConnection connection, DbTransaction transaction, string kind, string owner, int digits,
        CancellationToken cancellationToken, NumberCodes? codes = null)
    {
        if (codes is not null && codes.TryGetValue((kind, owner), out var known)) return known;
        var code = await AssignCodeAsync(connection, transaction, kind, owner, digits, cancellationToken);
        codes?.TryAdd((kind, owner), code);
        return code;
    }

    private static async Task<string> AssignCodeAsync(DbConnection connection, DbTransaction transaction, string kind, string owner, int digits, CancellationToken cancellationToken)
    {
        var key = new { Kind = kind, Owner = owner };
        var code = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(SelectCodeSql, key, transaction, cancellationToken: cancellationToken));
        if (code is not null) return code;

        await connection.ExecuteAsync(new CommandDefinition(LockCodeCounterSql, new { Kind = kind }, transaction, cancellationToken: cancellationToken));
        code = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(SelectCodeSql, key, transaction, cancellationToken: cancellationToken));
        if (code is not null) return code; // assigned by the transaction we queued behind

        var next = await connection.ExecuteScalarAsync<long>(new CommandDefinition(ReadCodeCounterSql, new { Kind = kind }, transaction, cancellationToken: cancellationToken));
        if (next >= (long)Math.Pow(10, digits))
        {
            throw new FailedPreconditionException("CERTIFICATE_CODES_EXHAUSTED",
                $"Every {digits}-digit {kind} code of the national certificate number is assigned; no new {kind} can be numbered.")
            {
                Metadata = new Dictionary<string, string> { ["kind"] = kind },
            };
        }
        code = CertificateRules.FormatCode(next, digits);
        await connection.ExecuteAsync(new CommandDefinition(InsertCodeSql, new { Kind = kind, Owner = owner, Code = code }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(AdvanceCodeCounterSql, new { Kind = kind }, transaction, cancellationToken: cancellationToken));
        return code;
    }

    /// <summary>The prefix's next number from its counter (the insert skips it when it is taken).</summary>
    private static async Task<string> NextNumberAsync(DbConnection connection, DbTransaction transaction, string prefix, CancellationToken cancellationToken)
    {
        var serial = await NextSerialAsync(connection, transaction, prefix, cancellationToken);
        if (serial > CertificateRules.MaxSerial)
        {
            throw new FailedPreconditionException("CERTIFICATE_SERIALS_EXHAUSTED",
                $"The 6-digit serials of certificate number prefix '{prefix}' are used up.")
            {
                Metadata = new Dictionary<string, string> { ["prefix"] = prefix },
            };
        }
        return CertificateRules.FormatNumber(prefix, serial);
    }

    private static async Task<long> NextSerialAsync(DbConnection connection, DbTransaction transaction, string prefix, CancellationToken cancellationToken)
    {
        if (await AdvanceSerialAsync(connection, transaction, prefix, 1, cancellationToken) is { } next) return next - 1;
        // First use of the prefix: queue on the prefix lock row, then look again (the issuer we queued behind may have
        // created it), so two issuers never both insert the row.
        await connection.ExecuteAsync(new CommandDefinition(LockCodeCounterSql, new { Kind = PrefixLockKind }, transaction, cancellationToken: cancellationToken));
        if (await AdvanceSerialAsync(connection, transaction, prefix, 1, cancellationToken) is { } created) return created - 1;
        await connection.ExecuteAsync(new CommandDefinition(InsertSerialSql, new { Prefix = prefix }, transaction, cancellationToken: cancellationToken));
        return 1;
    }

    /// <summary>Advances the prefix's counter by <paramref name="count"/> and returns its new value (null: the prefix has no counter row).</summary>
    private static Task<long?> AdvanceSerialAsync(DbConnection connection, DbTransaction transaction, string prefix, int count, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition(AdvanceAndReadSerialSql, new { Prefix = prefix, Count = count }, transaction, cancellationToken: cancellationToken));

    private Certificate ToMessage(CertificateRow row, bool includeHolderName)
    {
        var expire = row.ExpireDate is null ? (DateOnly?)null : DateOnly.ParseExact(row.ExpireDate, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return new Certificate
        {
            CertificateNumber = row.CertificateNumber,
            TypeCode = row.TypeCode,
            Level = (CertificateLevel)row.Level,
            LearnerId = row.LearnerId,
            HolderName = includeHolderName ? identity.Decrypt(row.HolderNameEnc) : string.Empty,
            HolderIdNumberMasked = NationalIdNumber.Mask(row.HolderIdMasked),
            IssuingOrganisation = row.IssuingOrganisation,
            IssueDate = ProtoConversions.ParseStoredDate(row.IssueDate),
            ExpireDate = ProtoConversions.ParseStoredDate(row.ExpireDate),
            Status = CertificateRules.EffectiveStatus((CertificateStatus)row.Status, expire, ChinaTime.Today(clock)),
            RevocationReason = row.RevocationReason ?? string.Empty,
            RevokeTime = ProtoConversions.ToTimestamp(row.RevokedAt),
            Etag = Etags.From(row.Version),
            CreateTime = ProtoConversions.ToTimestamp(row.CreatedAt),
        };
    }

    private sealed class CertificateRow
    {
        public string CertificateNumber { get; init; } = "";
        public string TypeCode { get; init; } = "";
        public int Level { get; init; }
        public string LearnerId { get; init; } = "";
        public byte[] HolderNameEnc { get; init; } = [];
        public string HolderIdMasked { get; init; } = "";
        public string IssuingOrganisation { get; init; } = "";
        public string IssueDate { get; init; } = "";
        public string? ExpireDate { get; init; }
        public int Status { get; init; }
        public string? RevocationReason { get; init; }
        public long? RevokedAt { get; init; }
        public long Version { get; init; }
        public long CreatedAt { get; init; }
    }

    private sealed class ActiveHolderRow
    {
        public byte[] HolderIdIndex { get; init; } = [];
        public string CertificateNumber { get; init; } = "";
    }

    private sealed class VerifyRow
    {
        public string CertificateNumber { get; init; } = "";
        public string TypeCode { get; init; } = "";
        public string TypeName { get; init; } = "";
        public int Level { get; init; }
        public string IssueDate { get; init; } = "";
        public string? ExpireDate { get; init; }
        public int Status { get; init; }
        public byte[] HolderNameIndex { get; init; } = [];
        public byte[] HolderIdIndex { get; init; } = [];
    }

    private sealed class EvidenceRow
    {
        public string CertificateNumber { get; init; } = "";
        public string SkillCode { get; init; } = "";
        public int SkillLevel { get; init; }
        public string TypeName { get; init; } = "";
        public string Issuer { get; init; } = "";
        public string IssueDate { get; init; } = "";
        public string? ExpireDate { get; init; }
    }
}

/// <summary>
/// The body and site codes one transaction has read or assigned, by (kind, owner): a code never changes once assigned,
/// so a batch asks the database for each owner's code once instead of once per prefix computation. Holds only what its
/// own transaction saw; never share it across transactions (an assignment may still roll back).
/// </summary>
public sealed class NumberCodes : Dictionary<(string Kind, string Owner), string>;
