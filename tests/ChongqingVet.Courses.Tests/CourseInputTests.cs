using ChongqingVet.Common.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;

namespace ChongqingVet.Courses.Tests;

/// <summary>Enum filters that are not defined values are INVALID_ARGUMENT naming the field.</summary>
public class CourseInputTests
{
    [Fact]
    public async Task ListFilters_UndefinedEnumValues_AreInvalidArgument()
    {
        await using var harness = await CourseServiceHarness.StartAsync(DatabaseProvider.Sqlite);

        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCoursesAsync(
            new ListCoursesRequest { Category = (CourseCategory)77, MinSkillLevel = (SkillLevel)77 }).ResponseAsync, "category", "min_skill_level");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListMajorsAsync(new ListMajorsRequest { Level = (MajorLevel)77 }).ResponseAsync, "level");
        await harness.Client.ListMajorsAsync(new ListMajorsRequest { Level = MajorLevel.Unspecified });
    }
}
