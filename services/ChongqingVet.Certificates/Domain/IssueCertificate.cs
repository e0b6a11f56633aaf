using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;
using ChongqingVet.Domain.Time;

namespace ChongqingVet.Certificates.Domain;

/// <summary>
/// What issuing a certificate reads and writes inside one transaction (<c>CertificateStores</c>; unit tests supply a
/// fake). Rows only: no rule. Number allocation is the store's job (counters, prefixes, serials).
/// </summary>
public interface IIssuanceStore
{
    Task<CertificateType?> TypeAsync(string code, CancellationToken cancellationToken);

    /// <summary>Locks every counter row issuing <paramref name="issues"/> may take, in one fixed order (no deadlocks between writers).</summary>
    Task LockCountersAsync(IReadOnlyList<(CertificateType Type, IssueCertificateRequest Request)> issues, CancellationToken cancellationToken);

    /// <summary>Marks the holder's stored-ACTIVE certificates of the type and level that expired before <paramref name="today"/> as EXPIRED.</summary>
    Task ExpireLapsedAsync(string typeCode, CertificateLevel level, string holderIdNumber, DateOnly today, CancellationToken cancellationToken);

    /// <summary>The number of the holder's stored-ACTIVE certificate of the type and level, if any.</summary>
    Task<string?> ActiveNumberAsync(string typeCode, CertificateLevel level, string holderIdNumber, CancellationToken cancellationToken);

    /// <summary>
    /// Allocates the next number and stores the certificate (ACTIVE, expiry from the type's validity); ALREADY_EXISTS
    /// (<see cref="IssueCertificate.ActiveCertificateExists"/>) when the database's active-holder index refuses it.
    /// </summary>
    Task<Certificate> InsertAsync(CertificateType type, IssueCertificateRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// IssueCertificate: the type must exist, be active and allow the level; only the organisation that owns the type
/// issues it (<see cref="IssuerAuthority"/>); a holder holds one active certificate per type and level (an expired one
/// no longer blocks). The per-item holder rule is shared with the import (<see cref="ImportCertificates"/>).
/// </summary>
public sealed class IssueCertificate(TimeProvider clock)
{
    public async Task<Certificate> RunAsync(IIssuanceStore store, Caller caller, IssueCertificateRequest request, CancellationToken cancellationToken)
    {
        var violations = new Violations();
        var type = await CheckAsync(request, caller, ChinaTime.Today(clock), code => store.TypeAsync(code, cancellationToken), violations, foreignTypeIsViolation: false);
        violations.ThrowIfAny();

        await store.LockCountersAsync([(type!, request)], cancellationToken);
        if (await HeldActiveAsync(store, type!, request, ChinaTime.Today(clock), cancellationToken) is not null)
            throw ActiveCertificateExists(type!, request.Level);
        return await store.InsertAsync(type!, request, cancellationToken);
    }

    /// <summary>
    /// The per-item rules of an issuance, for IssueCertificate and the import alike: the fields
    /// (<see cref="CertificateRules.ValidateIssue"/>), then — when the type code is well-formed — the type exists, is
    /// active and allows the level, and the caller's organisation owns it. A foreign type is PERMISSION_DENIED for one
    /// issuance and, with <paramref name="foreignTypeIsViolation"/>, a type_code violation of the one import item.
    /// Returns the type (null when the code is malformed or unknown; then a violation was added).
    /// </summary>
    public static async Task<CertificateType?> CheckAsync(IssueCertificateRequest request, Caller caller, DateOnly today,
        Func<string, Task<CertificateType?>> typeOf, Violations violations, bool foreignTypeIsViolation)
    {
        CertificateRules.ValidateIssue(request, today, violations);
        if (!SkillCode.IsValid(request.TypeCode)) return null;
        var type = await typeOf(request.TypeCode);
        if (type is not null && !foreignTypeIsViolation) IssuerAuthority.EnsureOwns(caller, type);
        CertificateRules.CheckAgainstType(type, request.Level, violations);
        if (type is not null && foreignTypeIsViolation && !IssuerAuthority.Owns(caller, type))
            violations.Add("type_code", "your organisation does not own this certificate type");
        return type;
    }

    /// <summary>
    /// The one-active-certificate rule, for issuance and import alike: the holder's certificate of this type and level
    /// that has lapsed is marked EXPIRED and no longer counts; the number of one still active is returned (null: none).
    /// Call it after <see cref="IIssuanceStore.LockCountersAsync"/>: a concurrent twin has committed by then.
    /// </summary>
    public static async Task<string?> HeldActiveAsync(IIssuanceStore store, CertificateType type, IssueCertificateRequest request, DateOnly today,
        CancellationToken cancellationToken)
    {
        var holder = NationalIdNumber.Normalize(request.HolderIdNumber);
        await store.ExpireLapsedAsync(type.Code, request.Level, holder, today, cancellationToken);
        return await store.ActiveNumberAsync(type.Code, request.Level, holder, cancellationToken);
    }

    /// <summary>ALREADY_EXISTS (ACTIVE_CERTIFICATE_EXISTS): the holder already holds an active certificate of the type and level.</summary>
    public static AlreadyExistsException ActiveCertificateExists(CertificateType type, CertificateLevel level) =>
        new("Certificate", "holder/type/level", "ACTIVE_CERTIFICATE_EXISTS")
        {
            Metadata = new Dictionary<string, string> { ["type_code"] = type.Code, ["level"] = level.ToString() },
        };
}
