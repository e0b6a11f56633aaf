using ChongqingVet.Domain.Security;

namespace ChongqingVet.Domain.Tests;

public class CallerTests
{
    private const string School = "52500000MJP0000008";
    private const string OtherSchool = "52500000MJP0000094";

    private static Caller Institution(string? organisation, params string[] scopes) =>
        new("client", "subject", new HashSet<string>(scopes), Roles.Institution, organisation);

    [Fact]
    public void BelongsTo_MatchesTheOrgClaimIgnoringCase_NeverAnEmptyCode()
    {
        Assert.True(Institution(School).BelongsTo(School.ToLowerInvariant()));
        Assert.False(Institution(School).BelongsTo(OtherSchool));
        Assert.False(Institution(null).BelongsTo(School));
        Assert.False(Institution(string.Empty).BelongsTo(string.Empty));
    }

    [Fact]
    public void MayActForOwner_OwnedResource_OnlyTheOwner_EvenForTheCatalogueAdministrator()
    {
        Assert.True(Institution(School).MayActForOwner(School));
        Assert.False(Institution(OtherSchool, Scope.CatalogWrite).MayActForOwner(School));
    }

    [Fact]
    public void MayActForOwner_ResourceWithoutOwner_OnlyTheCatalogueAdministrator()
    {
        Assert.False(Institution(School).MayActForOwner(string.Empty));
        Assert.True(Institution(School, Scope.CatalogWrite).MayActForOwner(string.Empty));
    }
}
