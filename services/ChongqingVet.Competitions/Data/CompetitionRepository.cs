using System.Data.Common;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using Dapper;

namespace ChongqingVet.Competitions.Data;

/// <summary>Competitions and their events (赛项) with the skills each event tests.</summary>
public sealed class CompetitionRepository(IDbConnectionFactory database, TimeProvider clock)
{
    private const string CompetitionResource = "Competition";
    private const string EventResource = "Event";

    private const string CompetitionColumns = """
        id AS Id, name AS Name, series AS Series, tier AS Tier, year AS Year, organiser AS Organiser,
        district_code AS DistrictCode, start_date AS StartDate, end_date AS EndDate, status AS Status,
        version AS Version, created_at AS CreatedAt, organiser_credit_code AS OrganiserCreditCode
        """;

    private const string InsertCompetitionSql = """
        INSERT INTO competitions (id, name, series, tier, year, organiser, district_code, start_date, end_date, status, organiser_credit_code, version, created_at, updated_at)
        VALUES (@Id, @Name, @Series, @Tier, @Year, @Organiser, @DistrictCode, @StartDate, @EndDate, @Status, @OrganiserCreditCode, 1, @Now, @Now)
        """;

    private const string SelectCompetitionSql = "SELECT " + CompetitionColumns + " FROM competitions WHERE id = @Id";

    // Newest start date first; the cursor is the last row's (start_date, id).
    private const string ListCompetitionsSql = "SELECT " + CompetitionColumns + """
         FROM competitions
        WHERE (@HasCursor = 0 OR start_date < @AfterStart OR (start_date = @AfterStart AND id < @AfterId))
          AND (@Series = '' OR series = @Series)
          AND (@Tier = 0 OR tier = @Tier)
          AND (@Year = 0 OR year = @Year)
          AND (@DistrictCode = '' OR district_code = @DistrictCode)
          AND (@Status = 0 OR status = @Status)
        ORDER BY start_date DESC, id DESC
        """;

    private const string UpdateCompetitionSql = """
        UPDATE competitions
        SET name = @Name, series = @Series, tier = @Tier, year = @Year, organiser = @Organiser, district_code = @DistrictCode,
            start_date = @StartDate, end_date = @EndDate, status = @Status, version = version + 1, updated_at = @Now
        WHERE id = @Id AND version = @Version
        """;

    private const string CompetitionExistsSql = "SELECT COUNT(*) FROM competitions WHERE id = @Id";

    private const string EventColumns = """
        e.competition_id AS CompetitionId, e.code AS Code, e.name AS Name, e.event_group AS EventGroup,
        e.participation AS Participation, e.min_team_size AS MinTeamSize, e.max_team_size AS MaxTeamSize,
        e.award_scheme AS AwardScheme, e.created_at AS CreatedAt
        """;

    private const string InsertEventSql = """
        INSERT INTO competition_events (competition_id, code, name, event_group, participation, min_team_size, max_team_size, award_scheme, created_at)
        VALUES (@CompetitionId, @Code, @Name, @EventGroup, @Participation, @MinTeamSize, @MaxTeamSize, @AwardScheme, @Now)
        """;

    private const string InsertEventSkillSql = """
        INSERT INTO event_skills (competition_id, event_code, skill_code, skill_level)
        VALUES (@CompetitionId, @EventCode, @SkillCode, @SkillLevel)
        """;

    private const string SelectEventSql = "SELECT " + EventColumns + " FROM competition_events e WHERE e.competition_id = @CompetitionId AND e.code = @Code";

    private const string ListEventsSqlHead = "SELECT " + EventColumns + """
         FROM competition_events e
        JOIN competitions c ON c.id = e.competition_id
        WHERE (e.competition_id > @AfterCompetition OR (e.competition_id = @AfterCompetition AND e.code > @AfterCode))
          AND (@CompetitionId = '' OR e.competition_id = @CompetitionId)
          AND (@SkillCode = '' OR EXISTS (SELECT 1 FROM event_skills s
                                          WHERE s.competition_id = e.competition_id AND s.event_code = e.code AND s.skill_code = @SkillCode))
          AND (@AnySkillCodes = 0 OR EXISTS (SELECT 1 FROM event_skills s
                                             WHERE s.competition_id = e.competition_id AND s.event_code = e.code AND s.skill_code
        """;

    private const string ListEventsSqlTail = """
        ))
          AND (@UpcomingOnly = 0 OR c.start_date > @Today)
        ORDER BY e.competition_id, e.code
        """;

    // The skill_codes filter: Dapper expands IN @list for SQLite and SQL Server; Npgsql takes the array as one parameter.
    private const string ListEventsSql = ListEventsSqlHead + " IN @SkillCodes " + ListEventsSqlTail;
    private const string ListEventsSqlPostgres = ListEventsSqlHead + " = ANY(@SkillCodes) " + ListEventsSqlTail;

    private const string SelectEventSkillsSql = """
        SELECT competition_id AS CompetitionId, event_code AS EventCode, skill_code AS SkillCode, skill_level AS SkillLevel
        FROM event_skills
        WHERE competition_id >= @First AND competition_id <= @Last
        ORDER BY competition_id, event_code, skill_code
        """;

    public async Task<Competition> CreateAsync(DbConnection connection, DbTransaction transaction, Competition competition, CancellationToken cancellationToken, string? id = null)
    {
        id ??= Guid.CreateVersion7(clock.GetUtcNow()).ToString("N");
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await connection.ExecuteAsync(new CommandDefinition(InsertCompetitionSql, Parameters(competition, id, now), transaction, cancellationToken: cancellationToken));
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(id), ChangeKind.Created,
            (await GetAsync(connection, transaction, id, cancellationToken))!, clock, cancellationToken);
    }

    public async Task<Competition?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, id, cancellationToken);
    }

    public async Task<Competition?> GetAsync(DbConnection connection, DbTransaction? transaction, string id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<CompetitionRow>(new CommandDefinition(SelectCompetitionSql, new { Id = id }, transaction, cancellationToken: cancellationToken));
        return row is null ? null : ToMessage(row);
    }

    /// <summary>Several competitions over one connection, in the order asked (each once); ids not found are left out.</summary>
    public async Task<IReadOnlyList<Competition>> GetManyAsync(IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var found = new List<Competition>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            var competition = await GetAsync(connection, null, id, cancellationToken);
            if (competition is not null) found.Add(competition);
        }
        return found;
    }

    public sealed record CompetitionFilter(string Series, CompetitionTier Tier, int Year, string DistrictCode, CompetitionStatus Status);

    public async Task<Page<Competition>> ListAsync((string StartDate, string Id)? after, CompetitionFilter filter, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<CompetitionRow>(new CommandDefinition(ListCompetitionsSql + database.Dialect.Limit(), new
        {
            HasCursor = after is null ? 0 : 1,
            AfterStart = after?.StartDate ?? string.Empty,
            AfterId = after?.Id ?? string.Empty,
            filter.Series,
            Tier = (int)filter.Tier,
            filter.Year,
            filter.DistrictCode,
            Status = (int)filter.Status,
            Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<CompetitionRow>.FromRows(rows, pageSize);
        return new Page<Competition>(page.Items.Select(ToMessage).ToArray(), page.HasMore);
    }

    public async Task<Competition> UpdateAsync(DbConnection connection, DbTransaction transaction, Competition competition, long expectedVersion, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(Parameters(competition, competition.Id, clock.GetUtcNow().ToUnixTimeMilliseconds()));
        parameters.Add("Version", expectedVersion);
        var rows = await connection.ExecuteAsync(new CommandDefinition(UpdateCompetitionSql, parameters, transaction, cancellationToken: cancellationToken));
        var exists = rows > 0 || await connection.ExecuteScalarAsync<long>(new CommandDefinition(CompetitionExistsSql, new { competition.Id }, transaction, cancellationToken: cancellationToken)) > 0;
        Etags.EnsureUpdated(rows, exists, CompetitionResource, competition.Id);
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(competition.Id), ChangeKind.Updated,
            (await GetAsync(connection, transaction, competition.Id, cancellationToken))!, clock, cancellationToken);
    }

    public async Task<Event> CreateEventAsync(DbConnection connection, DbTransaction transaction, Event competitionEvent, CancellationToken cancellationToken)
    {
        var individual = competitionEvent.Participation == Participation.Individual;
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertEventSql, new
            {
                competitionEvent.CompetitionId,
                competitionEvent.Code,
                Name = competitionEvent.Name.Trim(),
                EventGroup = (int)competitionEvent.Group,
                Participation = (int)competitionEvent.Participation,
                MinTeamSize = individual ? 1 : competitionEvent.MinTeamSize,
                MaxTeamSize = individual ? 1 : competitionEvent.MaxTeamSize,
                AwardScheme = (int)competitionEvent.AwardScheme,
                Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            }, transaction, cancellationToken: cancellationToken));
        }
        catch (Exception exception) when (database.Dialect.IsUniqueViolation(exception))
        {
            throw new AlreadyExistsException(EventResource, $"{competitionEvent.CompetitionId}/{competitionEvent.Code}");
        }
        var skills = competitionEvent.SkillsTested.Select(s => new
        {
            competitionEvent.CompetitionId,
            EventCode = competitionEvent.Code,
            s.SkillCode,
            SkillLevel = (int)s.Level,
        }).ToArray();
        await connection.ExecuteAsync(new CommandDefinition(InsertEventSkillSql, skills, transaction, cancellationToken: cancellationToken));
        return await ChangeOutbox.PublishAsync(connection, transaction, EventNameOf(competitionEvent.CompetitionId, competitionEvent.Code), ChangeKind.Created,
            (await GetEventAsync(connection, transaction, competitionEvent.CompetitionId, competitionEvent.Code, cancellationToken))!, clock, cancellationToken);
    }

    /// <summary>The resource name of a competition (its changes in the feed).</summary>
    public static string NameOf(string competitionId) => "competitions/" + competitionId;

    /// <summary>The resource name of an event (its changes in the feed).</summary>
    public static string EventNameOf(string competitionId, string eventCode) => $"competitions/{competitionId}/events/{eventCode}";

    public async Task<Event?> GetEventAsync(string competitionId, string code, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetEventAsync(connection, null, competitionId, code, cancellationToken);
    }

    public async Task<Event?> GetEventAsync(DbConnection connection, DbTransaction? transaction, string competitionId, string code, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<EventRow>(new CommandDefinition(SelectEventSql,
            new { CompetitionId = competitionId, Code = code }, transaction, cancellationToken: cancellationToken));
        if (row is null) return null;
        return (await WithSkillsAsync(connection, transaction, [row], cancellationToken))[0];
    }

    /// <param name="skillCodes">Only events testing one of these (empty: no such filter).</param>
    public async Task<Page<Event>> ListEventsAsync((string CompetitionId, string Code) after, string competitionId, string skillCode, bool upcomingOnly, string today, int pageSize, CancellationToken cancellationToken,
        IReadOnlyCollection<string>? skillCodes = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var anySkillCodes = skillCodes is { Count: > 0 };
        var rows = (await connection.QueryAsync<EventRow>(new CommandDefinition((database.Dialect.Provider == DatabaseProvider.Postgres ? ListEventsSqlPostgres : ListEventsSql) + database.Dialect.Limit(), new
        {
            AfterCompetition = after.CompetitionId,
            AfterCode = after.Code,
            CompetitionId = competitionId,
            SkillCode = skillCode,
            UpcomingOnly = upcomingOnly ? 1 : 0,
            Today = today,
            Limit = pageSize + 1,
            // IN needs a non-empty list; no skill code is empty, so [""] matches nothing (and the filter is off then).
            AnySkillCodes = anySkillCodes ? 1 : 0,
            SkillCodes = anySkillCodes ? skillCodes!.ToArray() : [""],
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<EventRow>.FromRows(rows, pageSize);
        return new Page<Event>(await WithSkillsAsync(connection, null, page.Items, cancellationToken), page.HasMore);
    }

    private static object Parameters(Competition competition, string id, long now) => new
    {
        Id = id,
        Name = competition.Name.Trim(),
        Series = competition.Series.Trim(),
        Tier = (int)competition.Tier,
        competition.Year,
        Organiser = competition.Organiser.Trim(),
        competition.DistrictCode,
        StartDate = competition.StartDate.ToDateOnly()!.Value.ToStoredDate(),
        EndDate = competition.EndDate.ToDateOnly()!.Value.ToStoredDate(),
        Status = (int)competition.Status,
        // The owner is set at creation; the UPDATE statement does not change it.
        OrganiserCreditCode = competition.OrganiserCreditCode.Length == 0 ? null : UnifiedSocialCreditCode.Normalize(competition.OrganiserCreditCode),
        Now = now,
    };

    private static async Task<IReadOnlyList<Event>> WithSkillsAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<EventRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return [];
        // Rows come ordered by competition id, so one range query covers the page; skills of other events are ignored.
        var skills = (await connection.QueryAsync<SkillRow>(new CommandDefinition(SelectEventSkillsSql,
                new { First = rows[0].CompetitionId, Last = rows[^1].CompetitionId }, transaction, cancellationToken: cancellationToken)))
            .ToLookup(s => (s.CompetitionId, s.EventCode));
        return rows.Select(row => new Event
        {
            CompetitionId = row.CompetitionId,
            Code = row.Code,
            Name = row.Name,
            Group = (EventGroup)row.EventGroup,
            Participation = (Participation)row.Participation,
            MinTeamSize = row.MinTeamSize,
            MaxTeamSize = row.MaxTeamSize,
            AwardScheme = (AwardScheme)row.AwardScheme,
            CreateTime = ProtoConversions.ToTimestamp(row.CreatedAt),
            SkillsTested = { skills[(row.CompetitionId, row.Code)].Select(s => new SkillRef { SkillCode = s.SkillCode, Level = (SkillLevel)s.SkillLevel }) },
        }).ToArray();
    }

    private static Competition ToMessage(CompetitionRow row) => new()
    {
        Id = row.Id,
        Name = row.Name,
        Series = row.Series,
        Tier = (CompetitionTier)row.Tier,
        Year = row.Year,
        Organiser = row.Organiser,
        DistrictCode = row.DistrictCode,
        StartDate = ProtoConversions.ParseStoredDate(row.StartDate),
        EndDate = ProtoConversions.ParseStoredDate(row.EndDate),
        Status = (CompetitionStatus)row.Status,
        Etag = Etags.From(row.Version),
        CreateTime = ProtoConversions.ToTimestamp(row.CreatedAt),
        OrganiserCreditCode = row.OrganiserCreditCode ?? string.Empty,
    };

    private sealed class CompetitionRow
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public string Series { get; init; } = "";
        public int Tier { get; init; }
        public int Year { get; init; }
        public string Organiser { get; init; } = "";
        public string DistrictCode { get; init; } = "";
        public string StartDate { get; init; } = "";
        public string EndDate { get; init; } = "";
        public int Status { get; init; }
        public long Version { get; init; }
        public long CreatedAt { get; init; }
        public string? OrganiserCreditCode { get; init; }
    }

    private sealed class EventRow
    {
        public string CompetitionId { get; init; } = "";
        public string Code { get; init; } = "";
        public string Name { get; init; } = "";
        public int EventGroup { get; init; }
        public int Participation { get; init; }
        public int MinTeamSize { get; init; }
        public int MaxTeamSize { get; init; }
        public int AwardScheme { get; init; }
        public long CreatedAt { get; init; }
    }

    private sealed class SkillRow
    {
        public string CompetitionId { get; init; } = "";
        public string EventCode { get; init; } = "";
        public string SkillCode { get; init; } = "";
        public int SkillLevel { get; init; }
    }
}
