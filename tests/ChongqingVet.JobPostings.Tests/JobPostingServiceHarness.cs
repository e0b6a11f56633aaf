using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.JobPostings.Grpc;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.JobPostings.Tests;

/// <summary>The real job postings service in memory on a fresh database, with a gRPC client and a movable clock.</summary>
public sealed class JobPostingServiceHarness(ServiceHost<JobPostingGrpcService> host)
    : ServiceHarness<JobPostingGrpcService, JobPostingService.JobPostingServiceClient>(host, channel => new JobPostingService.JobPostingServiceClient(channel))
{
    public const string EmployerCode = "91350100M000100Y43";

    public static async Task<JobPostingServiceHarness> StartAsync(DatabaseProvider provider, IDictionary<string, string?>? settings = null) =>
        new(await ServiceHost<JobPostingGrpcService>.StartAsync(provider, settings, start: new DateTimeOffset(2026, 9, 1, 2, 0, 0, TimeSpan.Zero)));

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
}
