using ChongqingVet.Domain.Matching;

namespace ChongqingVet.Domain.Tests;

/// <summary>The one evidence-weight rule the four services share.</summary>
public class EvidenceWeightsTests
{
    [Theory]
    [InlineData(85.0, 0.85)]
    [InlineData(60.0, 0.60)]
    [InlineData(100.0, 1.0)]
    [InlineData(0.0, 0.0)]
    [InlineData(120.0, 1.0)] // clamped
    [InlineData(-5.0, 0.0)]
    public void FromGrade_IsTheScoreOverAHundred_WithinZeroAndOne(double score, double weight) =>
        Assert.Equal(weight, EvidenceWeights.FromGrade(score), 6);

    [Fact]
    public void FromGrade_NoGrade_CountsNothing() => Assert.Equal(0, EvidenceWeights.FromGrade(null));

    [Fact]
    public void Attested_CountsInFull() => Assert.Equal(1.0, EvidenceWeights.Attested);
}
