namespace ChongqingVet.Domain.Codes;

/// <summary>
/// Places outside Chongqing, by GB/T 2260 code: a graduate employed in Chengdu or Shenzhen is recorded at an employer
/// there, so that local retention (留渝就业率) can be below 100 %. Accepted: six digits whose first two name a province
/// other than Chongqing (50) and whose next two are not 00 (a prefecture or county, not a whole province).
/// </summary>
public static class AreaCodes
{
    private static readonly Dictionary<string, string> Provinces = new(StringComparer.Ordinal)
    {
        ["11"] = "北京", ["12"] = "天津", ["13"] = "河北", ["14"] = "山西", ["15"] = "内蒙古",
        ["21"] = "辽宁", ["22"] = "吉林", ["23"] = "黑龙江",
        ["31"] = "上海", ["32"] = "江苏", ["33"] = "浙江", ["34"] = "安徽", ["35"] = "福建", ["36"] = "江西", ["37"] = "山东",
        ["41"] = "河南", ["42"] = "湖北", ["43"] = "湖南", ["44"] = "广东", ["45"] = "广西", ["46"] = "海南",
        ["51"] = "四川", ["52"] = "贵州", ["53"] = "云南", ["54"] = "西藏",
        ["61"] = "陕西", ["62"] = "甘肃", ["63"] = "青海", ["64"] = "宁夏", ["65"] = "新疆",
        ["71"] = "台湾", ["81"] = "香港", ["82"] = "澳门",
    };

    /// <summary>The province of a code outside Chongqing, or null when the code is not one.</summary>
    public static string? ProvinceOutsideChongqing(string? code) =>
        code is { Length: 6 } && code.All(char.IsAsciiDigit) && code[2..4] != "00" && Provinces.TryGetValue(code[..2], out var province)
            ? province
            : null;

    /// <summary>
    /// Where an employer is: a current Chongqing district or county, a functional zone, or a prefecture or county
    /// outside Chongqing. Job postings stay in Chongqing (<see cref="ChongqingDistricts.Validate"/>).
    /// </summary>
    public static string? ValidateEmployerLocation(string? code)
    {
        var chongqingError = ChongqingDistricts.Validate(code, allowFunctionalZones: true);
        if (chongqingError is null || ProvinceOutsideChongqing(code) is not null) return null;
        return string.IsNullOrEmpty(code) || (code.Length == 6 && code.StartsWith("50", StringComparison.Ordinal))
            ? chongqingError
            : "is neither a Chongqing district, county or functional zone nor a prefecture or county code of another province (GB/T 2260)";
    }
}
