using ChongqingVet.Domain.Errors;

namespace ChongqingVet.Domain.Tests;

public class ViolationsTests
{
    [Fact]
    public void ThrowIfAny_SeveralViolations_ReportsEveryOne()
    {
        var violations = new Violations();
        violations.RequireText(null, "holder_name");
        violations.Check(false, "level", "is not allowed");
        violations.AddNested("requirements[1]", [new FieldViolation("weight", "must be positive")]);

        var exception = Assert.Throws<ValidationException>(() => violations.ThrowIfAny());
        Assert.Equal(["holder_name", "level", "requirements[1].weight"], exception.Violations.Select(v => v.Field));
    }

    [Fact]
    public void ThrowIfAny_NoViolations_DoesNothing() => new Violations().ThrowIfAny();

    [Fact]
    public void NotFoundException_Reason_IsUpperSnakeOfResourceType()
    {
        Assert.Equal("CERTIFICATE_TYPE_NOT_FOUND", new NotFoundException("CertificateType", "1X-BIM").Reason);
    }
}
