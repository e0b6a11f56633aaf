using System.Globalization;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;

namespace ChongqingVet.Certificates.Domain;

/// <summary>Rules of certificate types and issuance, as plain functions.</summary>
public static class CertificateRules
{
    public const int MaxLevelsSkills = 50;

    public static bool IsOnePlusXLevel(CertificateLevel level) =>
        level is CertificateLevel.XJunior or CertificateLevel.XIntermediate or CertificateLevel.XSenior;

    public static bool IsNationalLevel(CertificateLevel level) =>
        level is >= CertificateLevel.National5 and <= CertificateLevel.National1;

    /// <summary>Levels a kind allows: 1+X the three X levels, MOHRSS the five national levels, other kinds either.</summary>
    public static bool KindAllows(CertificateKind kind, CertificateLevel level) => kind switch
    {
        CertificateKind.OnePlusX => IsOnePlusXLevel(level),
        CertificateKind.MohrssSkillLevel => IsNationalLevel(level),
        CertificateKind.Other => IsOnePlusXLevel(level) || IsNationalLevel(level),
        _ => false,
    };

    /// <summary>Every violation of a certificate type (create, or update with all fields).</summary>
    public static void Validate(CertificateType type, Violations violations, string prefix = "certificate_type.")
    {
        var codeError = SkillCode.Validate(type.Code);
        if (codeError is not null) violations.Add(prefix + "code", codeError);
        violations.RequireText(type.Name, prefix + "name");
        violations.CheckEnum(type.Kind, prefix + "kind", required: true);
        violations.RequireText(type.OrganisationName, prefix + "organisation_name");
        var creditError = UnifiedSocialCreditCode.Validate(type.OrganisationCreditCode);
        if (creditError is not null) violations.Add(prefix + "organisation_credit_code", creditError);
        violations.Check(type.ValidityMonths is >= 0 and <= 1200, prefix + "validity_months", "must be between 0 (never expires) and 1200");
        ValidateLevels(type, violations, prefix);
    }

    public static void ValidateLevels(CertificateType type, Violations violations, string prefix)
    {
        if (!violations.Check(type.Levels.Count > 0, prefix + "levels", "must list at least one level")) return;
        var seen = new HashSet<CertificateLevel>();
        for (var i = 0; i < type.Levels.Count; i++)
        {
            var level = type.Levels[i];
            var path = $"{prefix}levels[{i}]";
            if (!violations.CheckEnum(level.Level, path + ".level", required: true))
            {
                // reported: not a known level
            }
            else if (!KindAllows(type.Kind, level.Level))
                violations.Add(path + ".level", type.Kind == CertificateKind.OnePlusX
                    ? "a 1+X type allows only X_JUNIOR, X_INTERMEDIATE and X_SENIOR"
                    : "is not allowed for this kind of certificate");
            else if (!seen.Add(level.Level)) violations.Add(path + ".level", "is listed twice");
            violations.Check(level.AttestedSkills.Count is > 0 and <= MaxLevelsSkills, path + ".attested_skills", $"must list 1 to {MaxLevelsSkills} skills");
            var skills = new HashSet<string>(StringComparer.Ordinal);
            for (var j = 0; j < level.AttestedSkills.Count; j++)
            {
                var skill = level.AttestedSkills[j];
                var skillPath = $"{path}.attested_skills[{j}]";
                var error = SkillCode.Validate(skill.SkillCode);
                if (error is not null) violations.Add(skillPath + ".skill_code", error);
                else if (!skills.Add(skill.SkillCode)) violations.Add(skillPath + ".skill_code", "is listed twice");
                violations.CheckEnum(skill.Level, skillPath + ".level", required: true);
            }
        }
    }

    /// <summary>Field checks of an issuance that need no database; the type checks come from <see cref="CheckAgainstType"/>.</summary>
    public static void ValidateIssue(IssueCertificateRequest request, DateOnly today, Violations violations)
    {
        var typeError = SkillCode.Validate(request.TypeCode);
        if (typeError is not null) violations.Add("type_code", typeError);
        violations.CheckEnum(request.Level, "level", required: true);
        var learnerError = LearnerId.Validate(request.LearnerId);
        if (learnerError is not null) violations.Add("learner_id", learnerError);
        var nameError = PersonName.Validate(request.HolderName);
        if (nameError is not null) violations.Add("holder_name", nameError);
        var idError = NationalIdNumber.Validate(request.HolderIdNumber, today);
        if (idError is not null) violations.Add("holder_id_number", idError);
        violations.RequireText(request.IssuingOrganisation, "issuing_organisation");
        var issueDate = request.IssueDate.ToDateOnly();
        if (issueDate is { } date && date > today) violations.Add("issue_date", "must not be in the future");
        else violations.CheckDate(issueDate, "issue_date", DateBounds.Earliest, today);
    }

    /// <summary>The type must exist, be active and allow the level.</summary>
    public static void CheckAgainstType(CertificateType? type, CertificateLevel level, Violations violations)
    {
        if (type is null)
        {
            violations.Add("type_code", "no certificate type has this code");
            return;
        }
        violations.Check(type.Active, "type_code", "the certificate type is not active");
        if (level != CertificateLevel.Unspecified)
            violations.Check(type.Levels.Any(l => l.Level == level), "level", "is not a level this certificate type is issued at");
    }

    public static DateOnly? ExpiryDate(DateOnly issueDate, int validityMonths) =>
        validityMonths == 0 ? null : issueDate.AddMonths(validityMonths).AddDays(-1);

    /// <summary>
    /// Stored status plus today's date: an active certificate past its expiry reads as EXPIRED. The SQL that filters by
    /// effective status (CertificateRepository's list) writes the same rule with <see cref="StoredStatus"/> as parameters.
    /// </summary>
    public static CertificateStatus EffectiveStatus(CertificateStatus stored, DateOnly? expireDate, DateOnly today) =>
        stored == CertificateStatus.Active && expireDate is { } expiry && expiry < today ? CertificateStatus.Expired : stored;

    /// <summary>National level digit (5 … 1) used in the MOHRSS number; 0 for 1+X levels.</summary>
    public static int NationalLevelDigit(CertificateLevel level) => IsNationalLevel(level) ? 5 - (level - CertificateLevel.National5) : 0;

    /// <summary>Digits of the serial at the end of every certificate number.</summary>
    public const int SerialDigits = 6;

    /// <summary>The largest serial a number prefix can give (6 digits).</summary>
    public const long MaxSerial = 999_999;

    /// <summary>Digits of the evaluation-body code and of the site code in a MOHRSS number.</summary>
    public const int BodyCodeDigits = 4, SiteCodeDigits = 6;

    /// <summary>Chongqing's province code in MOHRSS numbers.</summary>
    public const string ProvinceCode = "50";

    /// <summary>
    /// The prefix of a MOHRSS number — S + evaluation body (4) + province (50) + site (6) + year (2) + level (1) —
    /// everything but the serial. Body and site codes are assigned from a table (unique by construction), never
    /// derived. Two certificate types of one body share the prefix, so serials are allocated per prefix.
    /// </summary>
    public static string MohrssPrefix(string bodyCode, string siteCode, CertificateLevel level, int year)
    {
        if (bodyCode.Length != BodyCodeDigits || !bodyCode.All(char.IsAsciiDigit)) throw new ArgumentException("A body code has 4 digits.", nameof(bodyCode));
        if (siteCode.Length != SiteCodeDigits || !siteCode.All(char.IsAsciiDigit)) throw new ArgumentException("A site code has 6 digits.", nameof(siteCode));
        if (!IsNationalLevel(level)) throw new ArgumentException("A MOHRSS number needs a national level.", nameof(level));
        return string.Create(CultureInfo.InvariantCulture, $"S{bodyCode}{ProvinceCode}{siteCode}{year % 100:D2}{NationalLevelDigit(level)}");
    }

    /// <summary>The prefix of a non-MOHRSS number: TYPECODE-YYYY- (the type code is unique, so is the prefix).</summary>
    public static string TypeYearPrefix(string typeCode, int year) => string.Create(CultureInfo.InvariantCulture, $"{typeCode}-{year:D4}-");

    /// <summary>Prefix + 6-digit serial. A serial outside 1 … 999999 would break the format, so it is refused.</summary>
    public static string FormatNumber(string prefix, long serial)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(serial, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(serial, MaxSerial);
        return string.Create(CultureInfo.InvariantCulture, $"{prefix}{serial:D6}");
    }

    /// <summary>The code number <paramref name="value"/> written with <paramref name="digits"/> digits (1 → 0001).</summary>
    public static string FormatCode(long value, int digits) => value.ToString("D" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static bool IsMohrssNumber(string number) => System.Text.RegularExpressions.Regex.IsMatch(number, @"^[YS]\d{4}\d{2}\d{6}\d{2}[1-5]\d{6}$");
}

/// <summary>
/// The stored status codes — the <see cref="CertificateStatus"/> values — under the names the SQL uses as parameters
/// (<c>@Active</c>, <c>@Revoked</c>, <c>@Expired</c>, <c>@Unspecified</c>), so no statement spells a status as a number.
/// </summary>
public static class StoredStatus
{
    public const int Unspecified = (int)CertificateStatus.Unspecified;
    public const int Active = (int)CertificateStatus.Active;
    public const int Revoked = (int)CertificateStatus.Revoked;
    public const int Expired = (int)CertificateStatus.Expired;
}
