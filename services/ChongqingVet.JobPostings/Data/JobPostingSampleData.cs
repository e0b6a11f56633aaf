using ChongqingVet.JobPostings.Domain;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Samples;
using ChongqingVet.JobPostings.V1;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.JobPostings.Data;

/// <summary>
/// Sample data: the whole shared skill vocabulary, 30 employers in Chongqing districts (fictional names, credit codes
/// valid by GB 32100-2015 and built on the district code), 90 open postings generated deterministically (three per
/// employer, 1–3 openings each, so that the insights' supply against demand shows surpluses as well as shortages), and
/// a completed placement for each of L0001…L0049 (starting in the 2024-2025 or 2025-2026 school year; every seventh at an
/// employer in Chengdu). Seeded once: a second run finds the first skill and adds nothing.
/// </summary>
public sealed class JobPostingSampleData(SkillRepository skills, EmployerRepository employers, JobPostingRepository postings, PlacementRepository placements)
    : ISampleDataSeeder
{
    public const int PostingCount = 90;

    /// <summary>Open until the end of 2028 (China time).</summary>
    public static readonly DateTimeOffset ValidThrough = new(2028, 12, 31, 23, 59, 59, TimeSpan.FromHours(8));

    private static readonly (string District, string Name, string Cluster)[] EmployerSeeds =
    [
        ("500112", "重庆两江智能装备有限公司", SampleVocabulary.SmartManufacturing),
        ("500112", "重庆渝北新能源汽车零部件有限公司", SampleVocabulary.Automotive),
        ("500105", "重庆江北数控机床有限公司", SampleVocabulary.SmartManufacturing),
        ("500107", "重庆九龙坡铝合金制品有限公司", SampleVocabulary.Materials),
        ("500106", "重庆沙坪坝电子信息技术有限公司", SampleVocabulary.Electronics),
        ("500108", "重庆南岸软件服务有限公司", SampleVocabulary.Software),
        ("500103", "重庆渝中数字商贸有限公司", SampleVocabulary.Software),
        ("500109", "重庆北碚生物制药有限公司", SampleVocabulary.BioMedicine),
        ("500113", "重庆巴南汽车维修服务有限公司", SampleVocabulary.Automotive),
        ("500104", "重庆大渡口焊接工程有限公司", SampleVocabulary.Materials),
        ("500118", "重庆永川智能制造有限公司", SampleVocabulary.SmartManufacturing),
        ("500118", "重庆永川大数据服务有限公司", SampleVocabulary.Software),
        ("500116", "重庆江津食品加工有限公司", SampleVocabulary.Food),
        ("500117", "重庆合川光伏能源有限公司", SampleVocabulary.NewEnergy),
        ("500120", "重庆璧山新能源电池有限公司", SampleVocabulary.NewEnergy),
        ("500151", "重庆铜梁电子元件有限公司", SampleVocabulary.Electronics),
        ("500153", "重庆荣昌食品科技有限公司", SampleVocabulary.Food),
        ("500101", "重庆万州机电设备有限公司", SampleVocabulary.SmartManufacturing),
        ("500102", "重庆涪陵榨菜食品有限公司", SampleVocabulary.Food),
        ("500115", "重庆长寿新材料有限公司", SampleVocabulary.Materials),
        ("500111", "重庆大足五金制造有限公司", SampleVocabulary.Materials),
        ("500110", "重庆綦江齿轮传动有限公司", SampleVocabulary.SmartManufacturing),
        ("500152", "重庆潼南智能网联汽车测试有限公司", SampleVocabulary.Automotive),
        ("500154", "重庆开州电子装配有限公司", SampleVocabulary.Electronics),
        ("500119", "重庆南川医药有限公司", SampleVocabulary.BioMedicine),
        ("500114", "重庆黔江农产品电商有限公司", SampleVocabulary.Food),
        ("CQ-LJXQ", "重庆两江新区工业机器人有限公司", SampleVocabulary.SmartManufacturing),
        ("CQ-GXQ", "重庆高新区集成电路有限公司", SampleVocabulary.Electronics),
        ("CQ-GXQ", "重庆高新区人工智能科技有限公司", SampleVocabulary.Software),
        ("CQ-WSJK", "重庆万盛经开区储能科技有限公司", SampleVocabulary.NewEnergy),
    ];

    /// <summary>
    /// An employer outside Chongqing (成都武侯区, no postings: the posting board is Chongqing's) where every seventh sample
    /// learner (L0007, L0014, …) found work, so that local retention differs by major and is below 100 %.
    /// </summary>
    public static Employer OutsideChongqing { get; } = new() { CreditCode = CreditCode("510107", 90), Name = "成都武侯智能制造有限公司", DistrictCode = "510107" };

    /// <summary>A valid credit code for an enterprise (91) registered in <paramref name="district"/>; the organisation code is derived from the index.</summary>
    public static string CreditCode(string district, int index)
    {
        var division = district.StartsWith("CQ-", StringComparison.Ordinal) ? "500112" : district;
        var first17 = "91" + division + "MA5U" + (index + 1).ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
        return first17 + UnifiedSocialCreditCode.ComputeCheckCharacter(first17);
    }

    public static IReadOnlyList<Employer> Employers { get; } = EmployerSeeds
        .Select((e, i) => new Employer { CreditCode = CreditCode(e.District, i), Name = e.Name, DistrictCode = e.District })
        .ToArray();

    /// <summary>The sample postings, the same on every run.</summary>
    public static IReadOnlyList<JobPosting> Postings()
    {
        var random = new Random(20260630);
        var byCluster = SampleVocabulary.Skills.GroupBy(s => s.Cluster).ToDictionary(g => g.Key, g => g.ToArray());
        var general = SampleVocabulary.Skills.Where(s => s.Category == "通用能力").ToArray();
        var result = new List<JobPosting>(PostingCount);
        for (var i = 0; i < PostingCount; i++)
        {
            var employerIndex = i % EmployerSeeds.Length;
            var seed = EmployerSeeds[employerIndex];
            var pool = byCluster[seed.Cluster].Where(s => s.Category != "通用能力").ToArray();
            var lead = pool[random.Next(pool.Length)];
            var sameCategory = pool.Where(s => s.Category == lead.Category && s.Code != lead.Code).OrderBy(_ => random.Next()).Take(random.Next(3, 6));
            var chosen = new[] { lead }.Concat(sameCategory).Concat(general.OrderBy(_ => random.Next()).Take(random.Next(0, 2))).ToArray();
            var salaryMin = 3500 + random.Next(0, 12) * 500;
            var posting = new JobPosting
            {
                Title = $"{lead.Category}{Titles[random.Next(Titles.Length)]}",
                OccupationCode = lead.Occupations[0],
                EmployerCreditCode = Employers[employerIndex].CreditCode,
                DistrictCode = seed.District,
                SalaryMin = salaryMin,
                SalaryMax = salaryMin + 1000 + random.Next(0, 8) * 500,
                Headcount = random.Next(1, 4),
                ValidThrough = Timestamp.FromDateTimeOffset(ValidThrough),
            };
            for (var r = 0; r < chosen.Length; r++)
            {
                posting.Requirements.Add(new Requirement
                {
                    SkillCode = chosen[r].Code,
                    MinLevel = (SkillLevel)random.Next(1, 4),
                    Weight = r == 0 ? 3 : random.Next(1, 3),
                    Essential = r == 0 || (r == 1 && random.Next(3) == 0),
                });
            }
            result.Add(posting);
        }
        return result;
    }

    private static readonly string[] Titles = ["技术员", "操作工", "助理工程师", "实习生", "技师", "运维专员"];

    public async Task SeedAsync(IDbConnectionFactory database, CancellationToken cancellationToken)
    {
        if (await skills.GetAsync(SampleVocabulary.Skills[0].Code, cancellationToken) is not null) return;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var sample in SampleVocabulary.Skills)
        {
            await skills.CreateAsync(connection, transaction, new Skill
            {
                Code = sample.Code,
                NameZh = sample.NameZh,
                NameEn = sample.NameEn,
                Category = sample.Category,
                Cluster = sample.Cluster,
                OccupationCodes = { sample.Occupations },
            }, cancellationToken);
        }
        foreach (var employer in Employers) await employers.CreateAsync(connection, transaction, employer, cancellationToken);
        await employers.CreateAsync(connection, transaction, OutsideChongqing, cancellationToken);
        var created = new List<JobPosting>(PostingCount);
        foreach (var posting in Postings()) created.Add(await new CreateJobPosting().RunAsync(postings.In(connection, transaction), posting, cancellationToken));

        var random = new Random(49);
        for (var i = 1; i <= 49; i++)
        {
            // Graduates concentrate where the jobs are: eight employers in five districts (两江新区, 高新区, 渝北, 永川, 江津), so
            // the insights' by-district figures have groups large enough to show (docs/INSIGHTS.md, "Small groups").
            var posting = created[PlacementEmployers[i * 3 % PlacementEmployers.Length] + EmployerSeeds.Length * (i % 3)];
            // Starts spread over two school years (2024-2025 and 2025-2026); every placement has ended by mid-2026.
            // (The courses' sample gives L0001, L0007, … the same major: alternate by (i − 1) / 6 so each major has both years.)
            var start = new DateOnly(2025, 3, 1).AddDays(random.Next(0, 120) + ((i - 1) / 6 % 2 == 1 ? 240 : 0));
            var leftChongqing = i % 7 == 0;
            var placement = new Placement
            {
                LearnerId = $"L{i:D4}",
                EmployerCreditCode = leftChongqing ? OutsideChongqing.CreditCode : posting.EmployerCreditCode,
                PostingId = leftChongqing ? string.Empty : posting.Id,
                StartDate = start.ToProtoDate(),
                EndDate = start.AddMonths(6).ToProtoDate(),
                Status = PlacementStatus.Completed,
            };
            foreach (var requirement in posting.Requirements.Take(random.Next(2, 5)))
            {
                placement.Ratings.Add(new SkillRating
                {
                    SkillCode = requirement.SkillCode,
                    Level = (SkillLevel)Math.Clamp((int)requirement.MinLevel + random.Next(-1, 2), 1, 5),
                    Comment = Comments[random.Next(Comments.Length)],
                });
            }
            await placements.RecordAsync(connection, transaction, placement, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Indexes into <see cref="EmployerSeeds"/> of the employers that host the sample placements.</summary>
    private static readonly int[] PlacementEmployers = [0, 1, 10, 11, 26, 27, 28, 12];

    private static readonly string[] Comments = ["操作规范，能独立完成任务", "学习主动，需加强安全意识", "技能扎实，可胜任岗位", "团队协作良好"];
}
