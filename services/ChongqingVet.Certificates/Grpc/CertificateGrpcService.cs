using ChongqingVet.ApiKit;
using ChongqingVet.Certificates.Data;
using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.Domain.Credentials;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Credentials;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Time;
using ChongqingVet.ServiceDefaults.Security;
using Grpc.Core;

namespace ChongqingVet.Certificates.Grpc;

/// <summary>The gRPC face of the certificates service: check the shape, call the use case (writes) or the repository (reads), map.</summary>
public sealed class CertificateGrpcService(
    CertificateTypeRepository types,
    CertificateRepository certificates,
    CertificateStores stores,
    IssueCertificate issueCertificate,
    ImportCertificates importCertificates,
    RevokeCertificate revokeCertificate,
    IdempotencyStore idempotency,
    ListPages pages,
    VerificationGuard verificationGuard,
    CertificateMetrics metrics,
    CertificateCredentials credentials,
    CredentialRepository credentialData,
    CredentialVerifier credentialVerifier,
    CredentialKeyRing credentialKeys,
    CredentialOptions credentialOptions,
    StatusListRepository statusLists,
    StatusListPublisher statusListPublisher) : CertificateService.CertificateServiceBase
{
    public override async Task<CertificateType> CreateCertificateType(CreateCertificateTypeRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<CertificateType>(nameof(CreateCertificateType), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        if (violations.Check(request.CertificateType is not null, "certificate_type", "is required"))
            CertificateRules.Validate(request.CertificateType!, violations);
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(CreateCertificateType), request.RequestId, request,
            (connection, transaction) => types.CreateAsync(connection, transaction, request.CertificateType!, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<CertificateType> GetCertificateType(GetCertificateTypeRequest request, ServerCallContext context)
    {
        RequireCode(request.Code, "code");
        return await types.GetAsync(request.Code, context.CancellationToken) ?? throw new NotFoundException("CertificateType", request.Code);
    }

    public override async Task<ListCertificateTypesResponse> ListCertificateTypes(ListCertificateTypesRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        if (request.SkillCode.Length > 0) violations.Check(SkillCode.IsValid(request.SkillCode), "skill_code", "is not a skill code");
        CodeLists.CheckSkillCodes(request.SkillCodes, violations);
        violations.CheckEnum(request.Kind, "kind");
        violations.CheckEnum(request.MinSkillLevel, "min_skill_level");
        violations.ThrowIfAny();
        var skillCodes = request.SkillCodes.Distinct(StringComparer.Ordinal).ToArray();
        var page = await pages.ListAsync(request.PageSize, request.PageToken, [request.Kind, request.ActiveOnly, request.SkillCode, request.MinSkillLevel, CodeLists.FilterKey(skillCodes)], string.Empty,
            (after, size) => types.ListAsync(after, request.Kind, request.ActiveOnly, request.SkillCode, request.MinSkillLevel, size, context.CancellationToken, skillCodes),
            type => type.Code);
        return new ListCertificateTypesResponse { CertificateTypes = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<CertificateType> UpdateCertificateType(UpdateCertificateTypeRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<CertificateType>(nameof(UpdateCertificateType), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        long version = 0;
        if (violations.Check(request.CertificateType is not null, "certificate_type", "is required"))
        {
            var codeError = SkillCode.Validate(request.CertificateType!.Code);
            if (codeError is not null) violations.Add("certificate_type.code", codeError);
            version = EtagField.Read(request.CertificateType.Etag, violations, "certificate_type.etag");
        }
        violations.ThrowIfAny();
        var current = await types.GetAsync(request.CertificateType!.Code, context.CancellationToken)
                      ?? throw new NotFoundException("CertificateType", request.CertificateType.Code);
        var updated = CertificateTypeMapper.ApplyMask(current, request.CertificateType, request.UpdateMask);
        CertificateRules.Validate(updated, violations);
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(UpdateCertificateType), request.RequestId, request,
            (connection, transaction) => types.UpdateAsync(connection, transaction, updated, version, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<Certificate> IssueCertificate(IssueCertificateRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Certificate>(nameof(IssueCertificate), request.RequestId, request, context.CancellationToken) is { } replay)
            return Disclose(replay, request, context);
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        violations.ThrowIfAny();
        var caller = context.GetCaller();
        var write = new CommittedWrite<Certificate>();
        var certificate = await idempotency.ExecuteAsync(nameof(IssueCertificate), request.RequestId, request,
            write.Of((connection, transaction) => issueCertificate.RunAsync(stores.Issuance(connection, transaction), caller, request, context.CancellationToken)),
            context.CancellationToken);
        if (write.Committed(certificate)) metrics.Issued();
        return Disclose(certificate, request, context);
    }

    private static Certificate Disclose(Certificate certificate, IssueCertificateRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (HolderDisclosure.MaySee(caller, certificate.LearnerId)) certificate.HolderName = request.HolderName.Trim();
        return HolderDisclosure.ForCaller(certificate, caller);
    }

    public override async Task<Certificate> GetCertificate(GetCertificateRequest request, ServerCallContext context)
    {
        RequireNumber(request.CertificateNumber);
        var certificate = await certificates.GetAsync(request.CertificateNumber, HolderDisclosure.MaySee(context.GetCaller(), string.Empty), context.CancellationToken)
                          ?? throw new NotFoundException("Certificate", request.CertificateNumber);
        return HolderDisclosure.ForCaller(certificate, context.GetCaller());
    }

    public override async Task<ListCertificatesResponse> ListCertificates(ListCertificatesRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        if (request.LearnerId.Length > 0) violations.Check(LearnerId.IsValid(request.LearnerId), "learner_id", "is not a learner id");
        if (request.TypeCode.Length > 0) violations.Check(SkillCode.IsValid(request.TypeCode), "type_code", "is not a certificate type code");
        violations.CheckEnum(request.Status, "status");
        violations.ThrowIfAny();
        var caller = context.GetCaller();
        var page = await pages.ListAsync(request.PageSize, request.PageToken, [request.LearnerId, request.TypeCode, request.Status], string.Empty,
            (after, size) => certificates.ListAsync(after, request.LearnerId, request.TypeCode, request.Status, size, HolderDisclosure.MaySee(caller, request.LearnerId), context.CancellationToken),
            certificate => certificate.CertificateNumber);
        return new ListCertificatesResponse
        {
            Certificates = { page.Items.Select(certificate => HolderDisclosure.ForCaller(certificate, caller)) },
            NextPageToken = page.NextPageToken,
        };
    }

    public override async Task<Certificate> RevokeCertificate(RevokeCertificateRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Certificate>(nameof(RevokeCertificate), request.RequestId, request, context.CancellationToken) is { } replay) return HolderDisclosure.ForCaller(replay, context.GetCaller());
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        violations.Check(IsNumber(request.CertificateNumber), "certificate_number", "is required (at most 64 characters)");
        violations.RequireText(request.Reason, "reason", 500);
        var version = EtagField.Read(request.Etag, violations);
        violations.ThrowIfAny();
        var caller = context.GetCaller();
        var write = new CommittedWrite<Certificate>();
        var revoked = await idempotency.ExecuteAsync(nameof(RevokeCertificate), request.RequestId, request,
            write.Of((connection, transaction) => revokeCertificate.RunAsync(stores.In(connection, transaction), caller, request.CertificateNumber, request.Reason, version,
                context.CancellationToken)),
            context.CancellationToken);
        if (write.Committed(revoked)) metrics.Revoked();
        return HolderDisclosure.ForCaller(revoked, context.GetCaller());
    }

    public override async Task<VerifyCertificateResponse> VerifyCertificate(VerifyCertificateRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        violations.Check(IsNumber(request.CertificateNumber), "certificate_number", "is required (at most 64 characters)");
        switch (request.HolderCase)
        {
            case VerifyCertificateRequest.HolderOneofCase.HolderName:
                var nameError = PersonName.Validate(request.HolderName);
                if (nameError is not null) violations.Add("holder_name", nameError);
                break;
            case VerifyCertificateRequest.HolderOneofCase.HolderIdNumber:
                violations.Check(request.HolderIdNumber.Length is > 0 and <= 18, "holder_id_number", "is required (at most 18 characters)");
                break;
            default:
                violations.Add("holder", "give holder_name or holder_id_number");
                break;
        }
        violations.ThrowIfAny();
        verificationGuard.Admit(request.CertificateNumber);
        var verification = await certificates.VerifyAsync(request.CertificateNumber,
            request.HolderCase == VerifyCertificateRequest.HolderOneofCase.HolderName ? request.HolderName : null,
            request.HolderCase == VerifyCertificateRequest.HolderOneofCase.HolderIdNumber ? request.HolderIdNumber : null,
            context.CancellationToken);
        verificationGuard.Record(request.CertificateNumber, verification.Result != VerificationResult.NotFound);
        return metrics.Verified(verification);
    }

    public override async Task<ImportCertificatesResponse> ImportCertificates(IAsyncStreamReader<ImportCertificatesRequest> requestStream, ServerCallContext context)
    {
        var response = new ImportCertificatesResponse();
        await importCertificates.RunAsync(stores.Import(),
            Next(requestStream, item => [item]),
            context.GetCaller(),
            ack =>
            {
                metrics.Imported(ack);
                foreach (var item in ack.Items)
                {
                    response.Results.Add(item.Result);
                    switch (item.Result.Outcome)
                    {
                        case ImportOutcome.Created: response.CreatedCount++; break;
                        case ImportOutcome.Duplicate: response.DuplicateCount++; break;
                        case ImportOutcome.Invalid: response.InvalidCount++; break;
                    }
                }
                return Task.CompletedTask;
            },
            context.CancellationToken);
        return response;
    }

    public override Task StreamImportCertificates(IAsyncStreamReader<StreamImportCertificatesRequest> requestStream,
        IServerStreamWriter<ImportCertificatesBatchAck> responseStream, ServerCallContext context) =>
        importCertificates.RunAsync(stores.Import(),
            Next(requestStream, ItemsOf),
            context.GetCaller(),
            ack =>
            {
                metrics.Imported(ack);
                return responseStream.WriteAsync(ack, context.CancellationToken);
            },
            context.CancellationToken);

    /// <summary>A streamed import message's items: item first (when set), then items; a message with neither is one empty item.</summary>
    private static IReadOnlyList<ImportCertificatesRequest> ItemsOf(StreamImportCertificatesRequest message) =>
        (message.Item, message.Items.Count) switch
        {
            (null, 0) => [new ImportCertificatesRequest()],
            (null, _) => message.Items,
            (var item, 0) => [item],
            (var item, _) => [item, .. message.Items],
        };

    /// <summary>
    /// The import's message source over the request stream (each message's items): a read cut short by the import's
    /// idle timeout (its token) ends as OperationCanceledException, whatever the transport raised.
    /// </summary>
    private static Func<CancellationToken, Task<IReadOnlyList<ImportCertificatesRequest>?>> Next<T>(IAsyncStreamReader<T> requestStream,
        Func<T, IReadOnlyList<ImportCertificatesRequest>> items) =>
        async cancellationToken =>
        {
            try
            {
                return await requestStream.MoveNext(cancellationToken) ? items(requestStream.Current) : null;
            }
            catch (RpcException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        };

    public override async Task<ListLearnerSkillEvidenceResponse> ListLearnerSkillEvidence(ListLearnerSkillEvidenceRequest request, ServerCallContext context)
    {
        var error = LearnerId.Validate(request.LearnerId);
        if (error is not null) throw new ValidationException("learner_id", error);
        var page = await pages.ListWithCursorAsync(request.PageSize, request.PageToken, [request.LearnerId], new EvidenceCursor("", ""),
            async (after, size) =>
            {
                var (evidence, next) = await certificates.ListEvidenceAsync(request.LearnerId, (after.Number, after.Skill), size, context.CancellationToken);
                return (evidence, next is { } cursor ? new EvidenceCursor(cursor.Number, cursor.Skill) : null);
            });
        return new ListLearnerSkillEvidenceResponse { Evidence = { page.Items }, NextPageToken = page.NextPageToken };
    }

    private sealed record EvidenceCursor(string Number, string Skill);

    /// <summary>One page of the learner's certificates (holder fields as <see cref="HolderDisclosure"/> allows) with their evidence.</summary>
    public override async Task<ListLearnerRecordsResponse> ListLearnerRecords(ListLearnerRecordsRequest request, ServerCallContext context)
    {
        var error = LearnerId.Validate(request.LearnerId);
        if (error is not null) throw new ValidationException("learner_id", error);
        var caller = context.GetCaller();
        var page = await pages.ListWithEvidenceAsync(request.PageSize, request.PageToken, [request.LearnerId],
            async (after, size) =>
            {
                var listed = await certificates.ListAsync(after, request.LearnerId, string.Empty, CertificateStatus.Unspecified, size, HolderDisclosure.MaySee(caller, request.LearnerId), context.CancellationToken);
                return new Page<Certificate>(listed.Items.Select(certificate => HolderDisclosure.ForCaller(certificate, caller)).ToArray(), listed.HasMore);
            },
            certificate => certificate.CertificateNumber,
            range => certificates.EvidenceOfPageAsync(request.LearnerId, range.After, range.Through, context.CancellationToken));
        return LearnerRecords.Response(page, EvidenceSourceKind.Certificate, certificate => CertificateRepository.NameOf(certificate.CertificateNumber));
    }

    private static bool IsNumber(string number) => number.Length is > 0 and <= 64;

    public override async Task<CertificateCredential> GetCertificateCredential(GetCertificateCredentialRequest request, ServerCallContext context)
    {
        RequireNumber(request.CertificateNumber);
        if (request.LearnerId.Length > 0 && LearnerId.Validate(request.LearnerId) is { } learnerError) throw new ValidationException("learner_id", learnerError);
        var certificate = await certificates.GetAsync(request.CertificateNumber, false, context.CancellationToken)
                          ?? throw new NotFoundException("Certificate", request.CertificateNumber);
        // A learner_id that is not the certificate's learner reads as no such certificate (a learner learns nothing of others').
        if (request.LearnerId.Length > 0 && request.LearnerId != certificate.LearnerId) throw new NotFoundException("Certificate", request.CertificateNumber);
        var type = await types.GetAsync(certificate.TypeCode, context.CancellationToken)
                   ?? throw new NotFoundException("CertificateType", certificate.TypeCode);
        var holderIdNumber = await credentialData.HolderIdNumberAsync(request.CertificateNumber, context.CancellationToken)
                             ?? throw new NotFoundException("Certificate", request.CertificateNumber);
        CertificateCredentials.EnsureActive(certificate); // before an index is drawn for it
        var status = await statusLists.EntryForAsync(request.CertificateNumber, context.CancellationToken);
        var credential = credentials.Create(certificate, type, holderIdNumber, status);
        // The salt with the credential's hash lets anyone try ID numbers: only callers who may see the holder get it.
        if (!HolderDisclosure.MaySee(context.GetCaller(), certificate.LearnerId)) credential.HolderIdentitySalt = string.Empty;
        return credential;
    }

    public override async Task<VerifyCredentialResponse> VerifyCredential(VerifyCredentialRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        if (violations.Check(request.Jws.Length > 0, "jws", "is required: a compact JWS"))
            violations.Check(request.Jws.Length <= CompactJws.MaxLength, "jws", $"is longer than {CompactJws.MaxLength} characters");
        violations.ThrowIfAny();
        return await credentialVerifier.VerifyAsync(request.Jws,
            async (number, token) => (await certificates.GetAsync(number, false, token))?.Status, statusLists, context.CancellationToken);
    }

    public override Task<CredentialKeys> GetCredentialKeys(GetCredentialKeysRequest request, ServerCallContext context) =>
        Task.FromResult(new CredentialKeys { JwksJson = credentialKeys.Jwks().ToJsonString(), MaxAgeSeconds = CertificatesModule.JwksCacheSeconds });

    public override async Task<StatusListCredential> GetStatusListCredential(GetStatusListCredentialRequest request, ServerCallContext context)
    {
        if (request.ListId <= 0) throw new ValidationException("list_id", "is required: a status list id, from 1");
        var list = await statusListPublisher.GetAsync(statusLists, request.ListId, context.CancellationToken)
                   ?? throw new NotFoundException("StatusList", request.ListId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new StatusListCredential { Jws = list.Jws, Etag = list.ETag, MaxAgeSeconds = credentialOptions.StatusListCacheSeconds };
    }

    private static void RequireNumber(string number)
    {
        if (!IsNumber(number)) throw new ValidationException("certificate_number", "is required (at most 64 characters)");
    }

    private static void RequireCode(string code, string field)
    {
        var error = SkillCode.Validate(code);
        if (error is not null) throw new ValidationException(field, error);
    }
}
