namespace ChongqingVet.Domain.Codes;

/// <summary>
/// Chongqing's 38 districts and counties (GB/T 2260) and its functional zones (not GB/T 2260 codes; we give them
/// stable "CQ-" codes). Reference data: new editions add rows here, old codes are kept with their successor.
/// </summary>
public static class ChongqingDistricts
{
    /// <summary>A district or zone: code, Chinese name, and the code that replaced it (null when current).</summary>
    public sealed record District(string Code, string Name, bool IsFunctionalZone = false, string? ReplacedBy = null);

    public static IReadOnlyList<District> All { get; } =
    [
        new("500101", "万州区"), new("500102", "涪陵区"), new("500103", "渝中区"), new("500104", "大渡口区"),
        new("500105", "江北区"), new("500106", "沙坪坝区"), new("500107", "九龙坡区"), new("500108", "南岸区"),
        new("500109", "北碚区"), new("500110", "綦江区"), new("500111", "大足区"), new("500112", "渝北区"),
        new("500113", "巴南区"), new("500114", "黔江区"), new("500115", "长寿区"), new("500116", "江津区"),
        new("500117", "合川区"), new("500118", "永川区"), new("500119", "南川区"), new("500120", "璧山区"),
        new("500151", "铜梁区"), new("500152", "潼南区"), new("500153", "荣昌区"), new("500154", "开州区"),
        new("500155", "梁平区"), new("500156", "武隆区"),
        new("500229", "城口县"), new("500230", "丰都县"), new("500231", "垫江县"), new("500233", "忠县"),
        new("500235", "云阳县"), new("500236", "奉节县"), new("500237", "巫山县"), new("500238", "巫溪县"),
        new("500240", "石柱土家族自治县"), new("500241", "秀山土家族苗族自治县"), new("500242", "酉阳土家族苗族自治县"),
        new("500243", "彭水苗族土家族自治县"),
        // Former codes, kept so old records still resolve.
        new("500228", "梁平县", ReplacedBy: "500155"), new("500232", "武隆县", ReplacedBy: "500156"),
        // Functional zones.
        new("CQ-LJXQ", "两江新区", IsFunctionalZone: true), new("CQ-GXQ", "重庆高新区", IsFunctionalZone: true),
        new("CQ-WSJK", "万盛经开区", IsFunctionalZone: true),
    ];

    private static readonly Dictionary<string, District> ByCode = All.ToDictionary(d => d.Code, StringComparer.Ordinal);

    public static District? Find(string? code) => code is not null && ByCode.TryGetValue(code, out var d) ? d : null;

    /// <summary>A current GB/T 2260 district or county code (functional zones only when allowed).</summary>
    public static string? Validate(string? code, bool allowFunctionalZones = false)
    {
        if (string.IsNullOrEmpty(code)) return "is required";
        var district = Find(code);
        if (district is null) return "is not a Chongqing district or county code (GB/T 2260)";
        if (district.ReplacedBy is not null) return $"was replaced by {district.ReplacedBy}";
        if (district.IsFunctionalZone && !allowFunctionalZones) return "is a functional zone, not a GB/T 2260 district";
        return null;
    }

    /// <summary>The 38 current GB/T 2260 districts and counties.</summary>
    public static IEnumerable<District> Current => All.Where(d => d.ReplacedBy is null && !d.IsFunctionalZone);
}
