using ChongqingVet.Certificates.V1;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Gateway.Matching;
using ChongqingVet.Gateway.Profile;
using ChongqingVet.Gateway.Resilience;
using ChongqingVet.Profile.V1;
using GetCertificateCredentialRequest = ChongqingVet.Profile.V1.GetCertificateCredentialRequest;
using Grpc.Core;

namespace ChongqingVet.Gateway.Grpc;

/// <summary>The gateway's API, over gRPC, REST/JSON (transcoding) and gRPC-Web alike.</summary>
public sealed class LearnerProfileGrpcService(
    ProfileComposer profiles,
    JobMatcher matcher,
    TranscriptComposer transcripts,
    ClrComposer learnerRecords,
    CertificateService.CertificateServiceClient certificates,
    BackendCaller backends)
    : LearnerProfileService.LearnerProfileServiceBase
{
    public override Task<LearnerProfile> GetLearnerProfile(GetLearnerProfileRequest request, ServerCallContext context)
    {
        Validate(request.LearnerId);
        return profiles.ComposeAsync(request.LearnerId, context.CancellationToken);
    }

    public override Task<MatchJobsResponse> MatchJobs(MatchJobsRequest request, ServerCallContext context)
    {
        var violations = LearnerViolations(request.LearnerId);
        violations.Check(request.PageSize is >= 0 and <= 1000, "page_size", "must be between 0 and 100 (larger values are clamped to 100)");
        violations.Check(request.PageToken.Length <= 4096, "page_token", "is too long");
        if (request.DistrictCode.Length > 0)
            violations.Check(ChongqingDistricts.Find(request.DistrictCode) is not null, "district_code", "is not a Chongqing district or zone code");
        violations.ThrowIfAny();
        return matcher.MatchAsync(request, context.CancellationToken);
    }

    public override Task<SkillGapReport> GetSkillGap(GetSkillGapRequest request, ServerCallContext context)
    {
        var violations = LearnerViolations(request.LearnerId);
        JobMatcher.ValidatePostingId(request.PostingId, violations);
        violations.ThrowIfAny();
        return matcher.GapAsync(request, context.CancellationToken);
    }

    public override Task<Transcript> GetTranscript(GetTranscriptRequest request, ServerCallContext context)
    {
        var violations = LearnerViolations(request.LearnerId);
        violations.Check(request.MajorCode.Length == 6 && request.MajorCode.All(char.IsAsciiDigit), "major_code", "must be a six-digit 专业目录 code");
        violations.ThrowIfAny();
        return transcripts.ComposeAsync(request.LearnerId, request.MajorCode, context.CancellationToken);
    }

    public override Task<LearnerClr> GetLearnerClr(GetLearnerClrRequest request, ServerCallContext context)
    {
        Validate(request.LearnerId);
        return learnerRecords.ComposeAsync(request.LearnerId, context.CancellationToken);
    }

    /// <summary>
    /// The credential from the certificates service, called with the caller's own token (the backend clients forward
    /// it), so the certificates service authorises and audits the original caller.
    /// </summary>
    public override async Task<CertificateCredential> GetCertificateCredential(GetCertificateCredentialRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        violations.Check(request.CertificateNumber.Length is > 0 and <= 64, "certificate_number", "is required (at most 64 characters)");
        if (request.LearnerId.Length > 0 && LearnerId.Validate(request.LearnerId) is { } error) violations.Add("learner_id", error);
        violations.ThrowIfAny();
        return await backends.CallAsync(Backends.Certificates, async token => await certificates.GetCertificateCredentialAsync(
            new Certificates.V1.GetCertificateCredentialRequest { CertificateNumber = request.CertificateNumber, LearnerId = request.LearnerId },
            cancellationToken: token), context.CancellationToken);
    }

    private static void Validate(string learnerId) => LearnerViolations(learnerId).ThrowIfAny();

    private static Violations LearnerViolations(string learnerId)
    {
        var violations = new Violations();
        var error = LearnerId.Validate(learnerId);
        if (error is not null) violations.Add("learner_id", error);
        return violations;
    }
}
