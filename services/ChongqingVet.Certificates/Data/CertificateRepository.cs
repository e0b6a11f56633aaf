using System.Data.Common;
using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
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

    // Increment first: the UPDATE locks the counter row, so concurrent issuers never read the same serial.
    private const string IncrementCounterSql = "UPDATE certificate_counters SET next_serial = next_serial + 1 WHERE type_code = @TypeCode AND year = @Year";
    private const string ReadCounterSql = "SELECT next_serial FROM certificate_counters WHERE type_code = @TypeCode AND year = @Year";
    private const string InsertCounterSql = "INSERT INTO certificate_counters (type_code, year, next_serial) VALUES (@TypeCode, @Year, 2)";

    private const string ExpireOldSql = """
        UPDATE certificates SET status = 3, version = version + 1
        WHERE holder_id_index = @HolderIdIndex AND type_code = @TypeCode AND level = @Level AND status = 1
          AND expire_date IS NOT NULL AND expire_date < @Today
        """;

    private const string InsertSql = """
        INSERT INTO certificates (certificate_number, type_code, level, learner_id, holder_name_enc, holder_name_index,
            holder_id_enc, holder_id_index, holder_id_masked, issuing_organisation, issue_date, expire_date, status,
            revocation_reason, revoked_at, version, created_at)
        VALUES (@CertificateNumber, @TypeCode, @Level, @LearnerId, @HolderNameEnc, @HolderNameIndex,
            @HolderIdEnc, @HolderIdIndex, @HolderIdMasked, @IssuingOrganisation, @IssueDate, @ExpireDate, 1,
            NULL, NULL, 1, @CreatedAt)
        """;

    private const string ActiveHolderSql = """
        SELECT certificate_number FROM certificates
        WHERE holder_id_index = @HolderIdIndex AND type_code = @TypeCode AND level = @Level AND status = 1
        """;

    private const string SelectByNumberSql = "SELECT " + Columns + " FROM certificates WHERE certificate_number = @Number";

    private const string VerifySql = """
        SELECT c.certificate_number AS CertificateNumber, c.type_code AS TypeCode, c.level AS Level, c.issue_date AS IssueDate,
               c.expire_date AS ExpireDate, c.status AS Status, t.name AS TypeName,
               c.holder_name_index AS HolderNameIndex, c.holder_id_index AS HolderIdIndex
        FROM certificates c JOIN certificate_types t ON t.code = c.type_code
        WHERE c.certificate_number = @Number
        """;

    private const string ListSql = "SELECT " + Columns + """
         FROM certificates
        WHERE certificate_number > @After
          AND (@LearnerId = '' OR learner_id = @LearnerId)
          AND (@TypeCode = '' OR type_code = @TypeCode)
          AND (@Status = 0
               OR (@Status = 1 AND status = 1 AND (expire_date IS NULL OR expire_date >= @Today))
               OR (@Status = 3 AND (status = 3 OR (status = 1 AND expire_date < @Today)))
               OR (@Status = 2 AND status = 2))
        ORDER BY certificate_number
        """;

    private const string RevokeSql = """
        UPDATE certificates SET status = 2, revocation_reason = @Reason, revoked_at = @Now, version = version + 1
        WHERE certificate_number = @Number AND version = @Version AND status <> 2
        """;

    private const string EvidenceSql = """
        SELECT c.certificate_number AS CertificateNumber, s.skill_code AS SkillCode, s.skill_level AS SkillLevel,
               t.name AS TypeName, t.organisation_name AS Issuer, c.issue_date AS IssueDate, c.expire_date AS ExpireDate
        FROM certificates c
        JOIN certificate_types t ON t.code = c.type_code
        JOIN certificate_type_skills s ON s.type_code = c.type_code AND s.level = c.level
        WHERE c.learner_id = @LearnerId AND c.status = 1 AND (c.expire_date IS NULL OR c.expire_date >= @Today)
          AND (c.certificate_number > @AfterNumber OR (c.certificate_number = @AfterNumber AND s.skill_code > @AfterSkill))
        ORDER BY c.certificate_number, s.skill_code
        """;

    /// <summary>Issues one certificate inside the caller's transaction. The request has been validated.</summary>
    public async Task<Certificate> IssueAsync(DbConnection connection, DbTransaction transaction, CertificateType type, IssueCertificateRequest request, CancellationToken cancellationToken)
    {
        var issueDate = request.IssueDate.ToDateOnly()!.Value;
        var idNumber = NationalIdNumber.Normalize(request.HolderIdNumber);
        var holderIdIndex = identity.IdNumberIndex(idNumber);
        var today = ChinaTime.Today(clock);

        // A holder's expired certificate no longer blocks a new one of the same type and level.
        await connection.ExecuteAsync(new CommandDefinition(ExpireOldSql, new
        {
            HolderIdIndex = holderIdIndex,
            TypeCode = type.Code,
            Level = (int)request.Level,
            Today = today.ToStoredDate(),
        }, transaction, cancellationToken: cancellationToken));

        var serial = await NextSerialAsync(connection, transaction, type.Code, issueDate.Year, cancellationToken);
        var number = CertificateRules.FormatNumber(type, request.IssuingOrganisation, request.Level, issueDate.Year, serial);
        var expireDate = CertificateRules.ExpiryDate(issueDate, type.ValidityMonths);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
            {
                CertificateNumber = number,
                TypeCode = type.Code,
                Level = (int)request.Level,
                request.LearnerId,
                HolderNameEnc = identity.Encrypt(request.HolderName.Trim()),
                HolderNameIndex = identity.NameIndex(request.HolderName),
                HolderIdEnc = identity.Encrypt(idNumber),
                HolderIdIndex = holderIdIndex,
                HolderIdMasked = NationalIdNumber.Mask(idNumber),
                IssuingOrganisation = request.IssuingOrganisation.Trim(),
                IssueDate = issueDate.ToStoredDate(),
                ExpireDate = expireDate?.ToStoredDate(),
                CreatedAt = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            }, transaction, cancellationToken: cancellationToken));
        }
        catch (Exception exception) when (database.Dialect.IsUniqueViolation(exception))
        {
            throw new AlreadyExistsException(Resource, "holder/type/level", "ACTIVE_CERTIFICATE_EXISTS")
            {
                Metadata = new Dictionary<string, string> { ["type_code"] = type.Code, ["level"] = request.Level.ToString() },
            };
        }
        // Without the name: this response is also stored for idempotent replay, and names are stored only encrypted.
        return (await GetAsync(connection, transaction, number, includeHolderName: false, cancellationToken))!;
    }

    /// <summary>The number of the holder's active certificate of this type and level, if any (import duplicate check).</summary>
    public async Task<string?> FindActiveAsync(DbConnection connection, DbTransaction transaction, string typeCode, CertificateLevel level, string idNumber, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(ActiveHolderSql, new
        {
            HolderIdIndex = identity.IdNumberIndex(NationalIdNumber.Normalize(idNumber)),
            TypeCode = typeCode,
            Level = (int)level,
        }, transaction, cancellationToken: cancellationToken));

    public async Task<Certificate?> GetAsync(string number, bool includeHolderName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, number, includeHolderName, cancellationToken);
    }

    private async Task<Certificate?> GetAsync(DbConnection connection, DbTransaction? transaction, string number, bool includeHolderName, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<CertificateRow>(new CommandDefinition(SelectByNumberSql, new { Number = number }, transaction, cancellationToken: cancellationToken));
        return row is null ? null : ToMessage(row, includeHolderName);
    }

    public async Task<Page<Certificate>> ListAsync(string after, string learnerId, string typeCode, CertificateStatus status, int pageSize, bool includeHolderNames, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<CertificateRow>(new CommandDefinition(ListSql + database.Dialect.Limit(), new
        {
            After = after,
            LearnerId = learnerId,
            TypeCode = typeCode,
            Status = (int)status,
            Today = ChinaTime.Today(clock).ToStoredDate(),
            Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<CertificateRow>.FromRows(rows, pageSize);
        return new Page<Certificate>(page.Items.Select(r => ToMessage(r, includeHolderNames)).ToArray(), page.HasMore);
    }

    public async Task<Certificate> RevokeAsync(DbConnection connection, DbTransaction transaction, string number, string reason, long expectedVersion, CancellationToken cancellationToken)
    {
        var current = await connection.QuerySingleOrDefaultAsync<CertificateRow>(new CommandDefinition(SelectByNumberSql, new { Number = number }, transaction, cancellationToken: cancellationToken))
                      ?? throw new NotFoundException(Resource, number);
        if (current.Status == (int)CertificateStatus.Revoked)
            throw new FailedPreconditionException("CERTIFICATE_ALREADY_REVOKED", $"Certificate '{number}' is already revoked.");
        var rows = await connection.ExecuteAsync(new CommandDefinition(RevokeSql, new
        {
            Number = number,
            Reason = reason.Trim(),
            Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            Version = expectedVersion,
        }, transaction, cancellationToken: cancellationToken));
        Etags.EnsureUpdated(rows, exists: true, Resource, number);
        return (await GetAsync(connection, transaction, number, includeHolderName: false, cancellationToken))!;
    }

    /// <summary>Public verification: NOT_FOUND unless the number exists and the holder matches exactly.</summary>
    public async Task<VerifyCertificateResponse> VerifyAsync(string number, string? holderName, string? holderIdNumber, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<VerifyRow>(new CommandDefinition(VerifySql, new { Number = number }, cancellationToken: cancellationToken));
        var matches = row is not null && (holderName is not null
            ? row.HolderNameIndex.AsSpan().SequenceEqual(identity.NameIndex(holderName))
            : row.HolderIdIndex.AsSpan().SequenceEqual(identity.IdNumberIndex(holderIdNumber ?? string.Empty)));
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
            Today = ChinaTime.Today(clock).ToStoredDate(),
            AfterNumber = after.Number,
            AfterSkill = after.Skill,
            Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<EvidenceRow>.FromRows(rows, pageSize);
        var evidence = page.Items.Select(row => new SkillEvidence
        {
            SkillCode = row.SkillCode,
            Level = (SkillLevel)row.SkillLevel,
            SourceKind = EvidenceSourceKind.Certificate,
            SourceName = "certificates/" + row.CertificateNumber,
            Title = row.TypeName,
            Issuer = row.Issuer,
            AchieveTime = StartOfDay(row.IssueDate),
            ExpireTime = row.ExpireDate is null ? null : StartOfDay(row.ExpireDate),
            Weight = 1.0,
        }).ToArray();
        var last = page.Items.LastOrDefault();
        return (evidence, page.HasMore && last is not null ? (last.CertificateNumber, last.SkillCode) : null);
    }

    private static Google.Protobuf.WellKnownTypes.Timestamp StartOfDay(string date) =>
        Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(
            DateOnly.ParseExact(date, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)));

    private static async Task<long> NextSerialAsync(DbConnection connection, DbTransaction transaction, string typeCode, int year, CancellationToken cancellationToken)
    {
        var key = new { TypeCode = typeCode, Year = year };
        var updated = await connection.ExecuteAsync(new CommandDefinition(IncrementCounterSql, key, transaction, cancellationToken: cancellationToken));
        if (updated == 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertCounterSql, key, transaction, cancellationToken: cancellationToken));
            return 1;
        }
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(ReadCounterSql, key, transaction, cancellationToken: cancellationToken)) - 1;
    }

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
