using System.Diagnostics.Metrics;
using ChongqingVet.Certificates.V1;

namespace ChongqingVet.Certificates;

/// <summary>
/// The certificates service's meter (exported with every <c>ChongqingVet.*</c> meter by ServiceDefaults). Counters move
/// where the outcome is known: after the write committed (never for an idempotent replay), after a verification answered.
/// </summary>
public sealed class CertificateMetrics
{
    public const string MeterName = "ChongqingVet.Certificates";
    public const string IssuedName = "chongqingvet.certificates.issued";
    public const string RevokedName = "chongqingvet.certificates.revoked";
    public const string ImportedName = "chongqingvet.certificates.imported";
    public const string VerificationsName = "chongqingvet.certificates.verifications";

    private readonly Counter<long> _issued;
    private readonly Counter<long> _revoked;
    private readonly Counter<long> _imported;
    private readonly Counter<long> _verifications;

    public CertificateMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _issued = meter.CreateCounter<long>(IssuedName, "{certificate}", "Certificates issued (committed; replays not counted).");
        _revoked = meter.CreateCounter<long>(RevokedName, "{certificate}", "Certificates revoked (committed; replays not counted).");
        _imported = meter.CreateCounter<long>(ImportedName, "{certificate}", "Certificates created by bulk import (duplicates and invalid items not counted).");
        _verifications = meter.CreateCounter<long>(VerificationsName, "{verification}", "Public verifications answered, by result (valid, revoked, expired, not_found).");
    }

    public void Issued() => _issued.Add(1);

    public void Revoked() => _revoked.Add(1);

    /// <summary>Counts the items a committed import batch created (so a stream that breaks later still counts them).</summary>
    public void Imported(ImportCertificatesBatchAck committedBatch)
    {
        var created = committedBatch.Items.Count(item => item.Result.Outcome == ImportOutcome.Created);
        if (created > 0) _imported.Add(created);
    }

    public VerifyCertificateResponse Verified(VerifyCertificateResponse response)
    {
        _verifications.Add(1, new KeyValuePair<string, object?>("result", ResultTag(response.Result)));
        return response;
    }

    private static string ResultTag(VerificationResult result) => result switch
    {
        VerificationResult.Valid => "valid",
        VerificationResult.Revoked => "revoked",
        VerificationResult.Expired => "expired",
        VerificationResult.NotFound => "not_found",
        _ => "unspecified",
    };
}
