using System.Data.Common;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.JobPostings.V1;
using Dapper;

namespace ChongqingVet.JobPostings.Data;

/// <summary>Employers, keyed by unified social credit code.</summary>
public sealed class EmployerRepository(IDbConnectionFactory database, TimeProvider clock)
{
    private const string Resource = "Employer";

    private const string InsertSql = """
        INSERT INTO employers (credit_code, name, district_code, created_at) VALUES (@CreditCode, @Name, @DistrictCode, @Now)
        """;

    private const string SelectSql = """
        SELECT credit_code AS CreditCode, name AS Name, district_code AS DistrictCode, created_at AS CreatedAt
        FROM employers
        WHERE credit_code = @CreditCode
        """;

    private const string ListSql = """
        SELECT credit_code AS CreditCode, name AS Name, district_code AS DistrictCode, created_at AS CreatedAt
        FROM employers
        WHERE credit_code > @After AND (@DistrictCode = '' OR district_code = @DistrictCode)
        ORDER BY credit_code
        """;

    public async Task<Employer> CreateAsync(DbConnection connection, DbTransaction transaction, Employer employer, CancellationToken cancellationToken)
    {
        var code = UnifiedSocialCreditCode.Normalize(employer.CreditCode);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
            {
                CreditCode = code,
                Name = employer.Name.Trim(),
                employer.DistrictCode,
                Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            }, transaction, cancellationToken: cancellationToken));
        }
        catch (Exception exception) when (database.Dialect.IsUniqueViolation(exception))
        {
            throw new AlreadyExistsException(Resource, code);
        }
        return await ChangeOutbox.PublishAsync(connection, transaction, "employers/" + code, ChangeKind.Created,
            (await GetAsync(connection, transaction, code, cancellationToken))!, clock, cancellationToken);
    }

    public async Task<Employer?> GetAsync(string creditCode, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, creditCode, cancellationToken);
    }

    public static async Task<Employer?> GetAsync(DbConnection connection, DbTransaction? transaction, string creditCode, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<EmployerRow>(new CommandDefinition(SelectSql,
            new { CreditCode = UnifiedSocialCreditCode.Normalize(creditCode) }, transaction, cancellationToken: cancellationToken));
        return row is null ? null : ToEmployer(row);
    }

    public async Task<Page<Employer>> ListAsync(string after, string districtCode, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<EmployerRow>(new CommandDefinition(ListSql + database.Dialect.Limit(),
            new { After = after, DistrictCode = districtCode, Limit = pageSize + 1 }, cancellationToken: cancellationToken))).ToList();
        var page = Page<EmployerRow>.FromRows(rows, pageSize);
        return new Page<Employer>(page.Items.Select(ToEmployer).ToArray(), page.HasMore);
    }

    private static Employer ToEmployer(EmployerRow row) => new()
    {
        CreditCode = row.CreditCode,
        Name = row.Name,
        DistrictCode = row.DistrictCode,
        CreateTime = ProtoConversions.ToTimestamp(row.CreatedAt),
    };

    private sealed class EmployerRow
    {
        public string CreditCode { get; init; } = "";
        public string Name { get; init; } = "";
        public string DistrictCode { get; init; } = "";
        public long CreatedAt { get; init; }
    }
}
