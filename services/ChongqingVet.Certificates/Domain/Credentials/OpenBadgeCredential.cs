using System.Globalization;
using System.Text.Json.Nodes;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Domain.Time;

namespace ChongqingVet.Certificates.Domain.Credentials;

/// <summary>
/// A certificate as an Open Badges 3.0 <c>OpenBadgeCredential</c> (docs/CREDENTIALS.md): issuer = the organisation that
/// owns the certificate type (its unified social credit code as an identifier), achievement = the type at its level,
/// alignments = the skills the level attests, validFrom/validUntil = issue and expiry (China time). The holder appears
/// only as a salted SHA-256 of the ID number; <c>credentialStatus</c> is its Bitstring Status List entry. The JSON is
/// built in a fixed member order, so the same certificate always gives the same bytes. VC-JWT (OB3 §8.2): the payload
/// is the credential itself plus the registered claims iss, jti, nbf and exp.
/// </summary>
public static class OpenBadgeCredential
{
    public const string VcContext = "https://www.w3.org/ns/credentials/v2";
    public const string Ob3Context = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
    public const string SkillFramework = "ChongqingVet skill catalog";

    /// <summary>The credential id of a certificate: <c>{base}/credentials/{number}</c>.</summary>
    public static string CredentialId(string baseUrl, string certificateNumber) => $"{baseUrl}/credentials/{Uri.EscapeDataString(certificateNumber)}";

    /// <summary>The certificate number in a credential id of this issuer, or null.</summary>
    public static string? CertificateNumberOf(string baseUrl, string credentialId)
    {
        var prefix = $"{baseUrl}/credentials/";
        return credentialId.StartsWith(prefix, StringComparison.Ordinal) && credentialId.Length > prefix.Length
            ? Uri.UnescapeDataString(credentialId[prefix.Length..])
            : null;
    }

    public static JsonObject Build(string baseUrl, Certificate certificate, CertificateType type, string identityHash, StatusListEntry? status = null)
    {
        var level = type.Levels.FirstOrDefault(l => l.Level == certificate.Level)
                    ?? throw new ArgumentException($"type {type.Code} has no level {certificate.Level}");
        var (levelZh, levelEn) = LevelLabels(certificate.Level);
        var validFrom = ChinaTime.StartOfDay(certificate.IssueDate.ToDateOnly() ?? throw new ArgumentException("the certificate has no issue date"));
        DateTimeOffset? validUntil = certificate.ExpireDate.ToDateOnly() is { } expiry
            ? ChinaTime.StartOfDay(expiry).AddDays(1).AddSeconds(-1) // valid through the whole expiry day
            : null;
        var id = CredentialId(baseUrl, certificate.CertificateNumber);
        var issuerId = $"{baseUrl}/issuers/{type.OrganisationCreditCode}";

        var credential = new JsonObject
        {
            ["@context"] = new JsonArray(VcContext, Ob3Context),
            ["id"] = id,
            ["type"] = new JsonArray("VerifiableCredential", "OpenBadgeCredential"),
            ["name"] = $"{type.Name}（{levelZh}）",
            ["issuer"] = new JsonObject
            {
                ["id"] = issuerId,
                ["type"] = new JsonArray("Profile"),
                ["name"] = type.OrganisationName,
                ["otherIdentifier"] = new JsonArray(new JsonObject
                {
                    ["type"] = "IdentifierEntry",
                    ["identifier"] = type.OrganisationCreditCode,
                    ["identifierType"] = "identifier",
                }),
            },
            ["validFrom"] = Format(validFrom),
        };
        if (validUntil is { } until) credential["validUntil"] = Format(until);
        credential["awardedDate"] = Format(validFrom);
        credential["credentialSubject"] = new JsonObject
        {
            ["type"] = new JsonArray("AchievementSubject"),
            ["identifier"] = new JsonArray(new JsonObject
            {
                ["type"] = "IdentityObject",
                ["identityHash"] = identityHash,
                ["identityType"] = "nationalIdentityNumber",
                ["hashed"] = true,
            }),
            ["achievement"] = new JsonObject
            {
                ["id"] = $"{baseUrl}/achievements/{Uri.EscapeDataString(type.Code)}/{LevelCode(certificate.Level)}",
                ["type"] = new JsonArray("Achievement"),
                ["achievementType"] = "Certificate",
                ["name"] = $"{type.Name}（{levelZh}）",
                ["description"] = $"{KindLabel(type.Kind)}: {type.Name}, {levelEn}. Type code {type.Code}; issued at {certificate.IssuingOrganisation}.",
                ["criteria"] = new JsonObject { ["narrative"] = $"通过{type.OrganisationName}组织的{type.Name}{levelZh}职业技能等级认定（{levelEn}）。" },
                ["alignment"] = new JsonArray([.. level.AttestedSkills.Select(skill => (JsonNode)new JsonObject
                {
                    ["type"] = new JsonArray("Alignment"),
                    ["targetName"] = skill.SkillCode,
                    ["targetCode"] = skill.SkillCode,
                    ["targetDescription"] = $"skill level {(int)skill.Level} ({skill.Level})",
                    ["targetFramework"] = SkillFramework,
                    ["targetType"] = "ceterms:Skill",
                    ["targetUrl"] = $"{baseUrl}/skills/{Uri.EscapeDataString(skill.SkillCode)}",
                })]),
            },
        };
        if (status is not null) credential["credentialStatus"] = BitstringStatusList.Entry(baseUrl, status);
        credential["iss"] = issuerId;
        credential["jti"] = id;
        credential["nbf"] = validFrom.ToUnixTimeSeconds();
        if (validUntil is { } end) credential["exp"] = end.ToUnixTimeSeconds();
        return credential;
    }

    private static string Format(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static string LevelCode(CertificateLevel level) => level.ToString().ToLowerInvariant();

    private static string KindLabel(CertificateKind kind) => kind switch
    {
        CertificateKind.OnePlusX => "1+X vocational skill level certificate",
        CertificateKind.MohrssSkillLevel => "Vocational skill level certificate (MOHRSS)",
        _ => "Certificate",
    };

    /// <summary>The level's names in Chinese and English.</summary>
    public static (string Zh, string En) LevelLabels(CertificateLevel level) => level switch
    {
        CertificateLevel.XJunior => ("初级", "Junior"),
        CertificateLevel.XIntermediate => ("中级", "Intermediate"),
        CertificateLevel.XSenior => ("高级", "Senior"),
        CertificateLevel.National5 => ("五级/初级工", "Level 5 (Junior Worker)"),
        CertificateLevel.National4 => ("四级/中级工", "Level 4 (Intermediate Worker)"),
        CertificateLevel.National3 => ("三级/高级工", "Level 3 (Senior Worker)"),
        CertificateLevel.National2 => ("二级/技师", "Level 2 (Technician)"),
        CertificateLevel.National1 => ("一级/高级技师", "Level 1 (Senior Technician)"),
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "no certificate level"),
    };
}
