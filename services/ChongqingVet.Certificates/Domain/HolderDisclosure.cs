using ChongqingVet.Certificates.V1;
using ChongqingVet.Domain.Security;

namespace ChongqingVet.Certificates.Domain;

/// <summary>
/// Holder names and masked ID numbers are personal data: shown only to callers with <c>certificates.holder.read</c>
/// and to the learner the certificate belongs to; everyone else gets the certificate without them.
/// </summary>
public static class HolderDisclosure
{
    public static bool MaySee(Caller caller, string learnerId) =>
        caller.Has(Scope.CertificatesHolderRead) || caller.IsLearner(learnerId);

    public static Certificate ForCaller(Certificate certificate, Caller caller)
    {
        if (MaySee(caller, certificate.LearnerId)) return certificate;
        var redacted = certificate.Clone();
        redacted.HolderName = string.Empty;
        redacted.HolderIdNumberMasked = string.Empty;
        return redacted;
    }
}
