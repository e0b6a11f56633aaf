using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.JobPostings.Grpc;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChongqingVet.JobPostings.Tests;

/// <summary>The service factory with the test clock in place of the system clock.</summary>
public sealed class JobPostingServiceFactory(IReadOnlyDictionary<string, string?> settings, FakeTimeProvider clock) : GrpcServiceFactory<JobPostingGrpcService>(settings)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(clock));
    }
}

/// <summary>The real job postings service in memory on a fresh database, with a gRPC client and a movable clock.</summary>
public sealed class JobPostingServiceHarness : IAsyncDisposable
{
    public const string EmployerCode = "91350100M000100Y43";

    private JobPostingServiceHarness(TestDatabase database, JobPostingServiceFactory factory, FakeTimeProvider clock)
    {
        Database = database;
        Factory = factory;
        Clock = clock;
        Client = new JobPostingService.JobPostingServiceClient(factory.CreateChannel());
    }

    public TestDatabase Database { get; }

    public JobPostingServiceFactory Factory { get; }

    public FakeTimeProvider Clock { get; }

    public JobPostingService.JobPostingServiceClient Client { get; }

    public static async Task<JobPostingServiceHarness> StartAsync(DatabaseProvider provider, IDictionary<string, string?>? settings = null)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var configuration = database.ToConfiguration();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) configuration[key] = value;
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 9, 1, 2, 0, 0, TimeSpan.Zero));
        var factory = new JobPostingServiceFactory(configuration, clock);
        _ = factory.Server; // start the host: migrations run now
        return new JobPostingServiceHarness(database, factory, clock);
    }

    public static Skill NewSkill(string code, string cluster = "智能装备及智能制造") => new()
    {
        Code = code,
        NameZh = "技能" + code,
        NameEn = "Skill " + code,
        Category = "工业机器人",
        Cluster = cluster,
        OccupationCodes = { "6-30-99-00" },
    };

    public async Task<Skill> CreateSkillAsync(string code, string cluster = "智能装备及智能制造") =>
        await Client.CreateSkillAsync(new CreateSkillRequest { RequestId = Guid.NewGuid().ToString(), Skill = NewSkill(code, cluster) });

    public async Task<Employer> CreateEmployerAsync(string creditCode = EmployerCode, string district = "500112") =>
        await Client.CreateEmployerAsync(new CreateEmployerRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Employer = new Employer { CreditCode = creditCode, Name = "重庆示例智能装备有限公司", DistrictCode = district },
        });

    public JobPosting NewPosting(string title, params (string Skill, SkillLevel Min, double Weight, bool Essential)[] requirements)
    {
        var posting = new JobPosting
        {
            Title = title,
            OccupationCode = "6-30-99-00",
            EmployerCreditCode = EmployerCode,
            DistrictCode = "500112",
            SalaryMin = 5000,
            SalaryMax = 8000,
            Headcount = 2,
            ValidThrough = Timestamp.FromDateTimeOffset(Clock.GetUtcNow().AddDays(90)),
        };
        foreach (var (skill, min, weight, essential) in requirements)
            posting.Requirements.Add(new Requirement { SkillCode = skill, MinLevel = min, Weight = weight, Essential = essential });
        return posting;
    }

    public async Task<JobPosting> CreatePostingAsync(JobPosting posting)
    {
        var created = await Client.CreateJobPostingAsync(new CreateJobPostingRequest { RequestId = Guid.NewGuid().ToString(), JobPosting = posting });
        Clock.Advance(TimeSpan.FromSeconds(1)); // distinct creation times keep the newest-first tie-break observable
        return created;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
    }
}
