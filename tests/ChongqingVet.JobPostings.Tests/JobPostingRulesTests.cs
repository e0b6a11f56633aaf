using ChongqingVet.Common.V1;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.JobPostings.Data;
using ChongqingVet.JobPostings.Domain;
using ChongqingVet.JobPostings.V1;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.JobPostings.Tests;

public class JobPostingRulesTests
{
    [Theory]
    [InlineData("91350100M000100Y43", true)] // DOMAIN.md vector, Σ = 1640
    [InlineData("91350100m000100y43", true)] // lower case is normalised
    [InlineData("91350100M000100Y44", false)] // wrong check character
    [InlineData("91350100M000100Y4", false)] // too short
    [InlineData("91350100I000100Y43", false)] // I is not in the alphabet
    [InlineData("91350100O000100Y43", false)] // nor O
    [InlineData("", false)]
    public void EmployerValidate_CreditCodeVectors_AcceptsOnlyValidCodes(string creditCode, bool valid)
    {
        var violations = new Violations();
        JobPostingRules.Validate(new Employer { CreditCode = creditCode, Name = "重庆示例有限公司", DistrictCode = "500112" }, violations);
        Assert.Equal(valid, violations.Items.All(v => v.Field != "employer.credit_code"));
    }

    [Fact]
    public void SampleEmployers_AllHaveValidCreditCodesAndDistricts()
    {
        Assert.Equal(30, JobPostingSampleData.Employers.Count);
        Assert.All(JobPostingSampleData.Employers, e =>
        {
            Assert.True(UnifiedSocialCreditCode.IsValid(e.CreditCode), e.CreditCode);
            Assert.Null(ChongqingDistricts.Validate(e.DistrictCode, allowFunctionalZones: true));
        });
        Assert.Equal(30, JobPostingSampleData.Employers.Select(e => e.CreditCode).Distinct().Count());
    }

    [Theory]
    [InlineData("500112", true)] // 渝北区
    [InlineData("CQ-LJXQ", true)] // 两江新区 (a functional zone)
    [InlineData("510107", true)] // 成都市武侯区: graduates who left Chongqing work for employers there
    [InlineData("440305", true)] // 深圳市南山区
    [InlineData("510100", true)] // 成都市 (a prefecture)
    [InlineData("510000", false)] // a whole province
    [InlineData("500199", false)] // not a Chongqing district
    [InlineData("500228", false)] // replaced by 500155
    [InlineData("990101", false)] // no such province
    [InlineData("51010", false)]
    [InlineData("", false)]
    public void EmployerValidate_Location_ChongqingOrAPrefectureOrCountyOfAnotherProvince(string districtCode, bool valid)
    {
        var violations = new Violations();
        JobPostingRules.Validate(new Employer { CreditCode = "91350100M000100Y43", Name = "示例有限公司", DistrictCode = districtCode }, violations);
        Assert.Equal(valid, violations.Items.All(v => v.Field != "employer.district_code"));
    }

    [Fact]
    public void PostingValidate_OutsideChongqing_IsRefused_PostingsStayInChongqing()
    {
        var violations = new Violations();
        JobPostingRules.Validate(new JobPosting { DistrictCode = "510107" }, DateTimeOffset.UtcNow, violations);
        Assert.Contains(violations.Items, v => v.Field == "job_posting.district_code");
    }

    [Fact]
    public void SampleEmployerOutsideChongqing_IsValid_AndHostsNoPosting()
    {
        var outside = JobPostingSampleData.OutsideChongqing;
        var violations = new Violations();
        JobPostingRules.Validate(outside, violations);
        Assert.Empty(violations.Items);
        Assert.Equal("四川", AreaCodes.ProvinceOutsideChongqing(outside.DistrictCode));
        Assert.DoesNotContain(JobPostingSampleData.Postings(), p => p.EmployerCreditCode == outside.CreditCode);
    }

    [Theory]
    [InlineData("6-31-01-03", true)]
    [InlineData("2-02-38-10", true)]
    [InlineData("6-30-99-00", true)]
    [InlineData("9-31-01-03", false)] // 大类 1–8 only
    [InlineData("0-31-01-03", false)]
    [InlineData("6-31-01-3", false)]
    [InlineData("6-31-01-03(S)", false)] // flags are kept apart from the code
    [InlineData("6310103", false)]
    [InlineData("", false)]
    public void OccupationCode_Format_IsDDashDDDashDDDashDD(string code, bool valid) =>
        Assert.Equal(valid, OccupationCode.IsValid(code));

    [Fact]
    public void PostingValidate_EveryBadField_IsReported()
    {
        var now = new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero);
        var posting = new JobPosting
        {
            Title = " ",
            OccupationCode = "6-31-1-03",
            EmployerCreditCode = "91350100M000100Y44",
            DistrictCode = "510101",
            SalaryMin = 9000,
            SalaryMax = 8000,
            Headcount = 0,
            ValidThrough = Timestamp.FromDateTimeOffset(now.AddDays(-1)),
            Requirements =
            {
                new Requirement { SkillCode = "IR-OPS", MinLevel = SkillLevel.Unspecified, Weight = 0 },
                new Requirement { SkillCode = "IR-OPS", MinLevel = SkillLevel._3Advanced, Weight = 1 },
            },
        };
        var violations = new Violations();
        JobPostingRules.Validate(posting, now, violations);
        Assert.Equal(
            new[]
            {
                "job_posting.district_code", "job_posting.employer_credit_code", "job_posting.headcount", "job_posting.occupation_code",
                "job_posting.requirements[0].min_level", "job_posting.requirements[0].weight", "job_posting.requirements[1].skill_code",
                "job_posting.salary_max", "job_posting.title", "job_posting.valid_through",
            },
            violations.Items.Select(v => v.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void PostingValidate_NoRequirements_IsReported()
    {
        var violations = new Violations();
        var now = DateTimeOffset.UtcNow;
        JobPostingRules.Validate(new JobPosting
        {
            Title = "电工", OccupationCode = "6-31-01-03", EmployerCreditCode = "91350100M000100Y43", DistrictCode = "CQ-LJXQ",
            SalaryMin = 1, SalaryMax = 1, Headcount = 1, ValidThrough = Timestamp.FromDateTimeOffset(now.AddDays(1)),
        }, now, violations);
        Assert.Equal(["job_posting.requirements"], violations.Items.Select(v => v.Field));
    }

    [Fact]
    public void Explain_HandComputedExample_ScoresMetWeightOverTotalAndReportsGaps()
    {
        var learner = MatchScoring.LearnerLevels([
            new SkillRef { SkillCode = "A", Level = SkillLevel._3Advanced },
            new SkillRef { SkillCode = "B", Level = SkillLevel._4Intermediate },
            new SkillRef { SkillCode = "B", Level = SkillLevel._5Beginner }, // a repeated code keeps its highest level
        ]);
        var posting = new JobPosting
        {
            Requirements =
            {
                new Requirement { SkillCode = "A", MinLevel = SkillLevel._3Advanced, Weight = 2, Essential = true },
                new Requirement { SkillCode = "B", MinLevel = SkillLevel._3Advanced, Weight = 1 },
                new Requirement { SkillCode = "C", MinLevel = SkillLevel._4Intermediate, Weight = 1 },
            },
        };

        var match = MatchScoring.Explain(posting, learner);

        Assert.Equal(0.5, match.Score, 12); // 2 / (2 + 1 + 1)
        Assert.False(match.HasUnmetEssential);
        Assert.Equal(["A"], match.Met.Select(m => m.Requirement.SkillCode));
        Assert.Equal([("B", SkillLevel._4Intermediate, 1), ("C", SkillLevel.Unspecified, 2)],
            match.Unmet.Select(m => (m.Requirement.SkillCode, m.LearnerLevel, m.LevelGap)));
    }

    [Fact]
    public void DeriveCluster_MostWeightWins_TiesByName()
    {
        Assert.Equal("b", JobPostingRules.DeriveCluster([("a", 1), ("b", 2), ("a", 0.5)]));
        Assert.Equal("a", JobPostingRules.DeriveCluster([("b", 1), ("a", 1)]));
    }

    [Fact]
    public void SamplePostings_AreDeterministicAndValid()
    {
        var first = JobPostingSampleData.Postings();
        var second = JobPostingSampleData.Postings();
        Assert.Equal(first, second);
        Assert.Equal(3 * JobPostingSampleData.Employers.Count, first.Count); // three per employer
        Assert.Equal(JobPostingSampleData.PostingCount, first.Count);
        var now = new DateTimeOffset(2027, 6, 30, 0, 0, 0, TimeSpan.Zero);
        Assert.All(first, p =>
        {
            var violations = new Violations();
            JobPostingRules.Validate(p, now, violations);
            Assert.Empty(violations.Items);
            Assert.InRange(p.Requirements.Count, 2, 8);
        });
    }
}
