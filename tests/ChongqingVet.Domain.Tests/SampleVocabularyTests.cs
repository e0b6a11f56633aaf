using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Samples;

namespace ChongqingVet.Domain.Tests;

public class SampleVocabularyTests
{
    [Fact]
    public void Skills_AtLeastHundredUniqueValidCodesAcrossSeveralClusters()
    {
        var skills = SampleVocabulary.Skills;
        Assert.True(skills.Count >= 100, $"only {skills.Count} skills");
        Assert.Equal(skills.Count, skills.Select(s => s.Code).Distinct().Count());
        Assert.All(skills, s => Assert.Null(SkillCode.Validate(s.Code)));
        Assert.True(skills.Select(s => s.Cluster).Distinct().Count() >= 5);
        Assert.All(skills.SelectMany(s => s.Occupations), code => Assert.Matches(@"^[1-8]-\d{2}-\d{2}-\d{2}$", code));
    }
}
