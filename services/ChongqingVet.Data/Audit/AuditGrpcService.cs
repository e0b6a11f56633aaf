using ChongqingVet.Domain.Errors;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using V1 = ChongqingVet.Audit.V1;

namespace ChongqingVet.Data.Audit;

/// <summary>
/// chongqingvet.audit.v1.AuditService over the service's own audit log. It lives in ChongqingVet.Data beside the
/// log because every service references Data (and the contracts) already, so mapping it is one call
/// (<see cref="AuditHosting.MapAudit"/>). Listing is itself audited (resource <c>auditRecords</c>): the records name
/// subjects. Authorisation (scope audit.read) is the hosting service's method → scope table.
/// </summary>
public sealed class AuditGrpcService(AuditLog log, PageTokenCodec pageTokens) : V1.AuditService.AuditServiceBase
{
    public const string ListResource = "auditRecords";

    public override async Task<V1.ListAuditRecordsResponse> ListAuditRecords(V1.ListAuditRecordsRequest request, ServerCallContext context)
    {
        V1.ListAuditRecordsResponse response;
        try
        {
            var violations = new Violations();
            violations.Check(request.Resource.Length <= AuditRecord.MaxResourceLength, "resource", $"must have at most {AuditRecord.MaxResourceLength} characters");
            violations.Check(request.Subject.Length <= AuditRecord.MaxSubjectLength, "subject", $"must have at most {AuditRecord.MaxSubjectLength} characters");
            violations.ThrowIfAny();
            var pageSize = PageSize.Resolve(request.PageSize);
            var filter = PageTokenCodec.Fingerprint("audit", request.Resource, request.Subject);
            var after = pageTokens.Decode<long>(request.PageToken, filter);
            var page = await log.ListAsync(after, request.Resource, request.Subject, pageSize, context.CancellationToken);
            response = new V1.ListAuditRecordsResponse { AuditRecords = { page.Items.Select(ToProto) } };
            if (page.HasMore) response.NextPageToken = pageTokens.Encode(page.Items[^1].Sequence, filter);
        }
        catch (ValidationException)
        {
            await log.AppendAsync(AuditCalls.Record(context, ListResource, AuditOutcome.FromStatusCode(StatusCode.InvalidArgument)), CancellationToken.None);
            throw;
        }
        // Recorded before the records leave the service; not cancelled with the call once they were read.
        await log.AppendAsync(AuditCalls.Record(context, ListResource), CancellationToken.None);
        return response;
    }

    public override async Task<V1.VerifyAuditChainResponse> VerifyAuditChain(V1.VerifyAuditChainRequest request, ServerCallContext context)
    {
        var result = await log.VerifyAsync(context.CancellationToken);
        return new V1.VerifyAuditChainResponse
        {
            Ok = result.Ok,
            RecordsChecked = result.RecordsChecked,
            FirstBrokenSequence = result.FirstBrokenSequence ?? 0,
            Reason = result.Reason switch
            {
                AuditBreak.Edited => V1.AuditChainBreak.Edited,
                AuditBreak.Deleted => V1.AuditChainBreak.Deleted,
                AuditBreak.Reordered => V1.AuditChainBreak.Reordered,
                AuditBreak.HeadMismatch => V1.AuditChainBreak.HeadMismatch,
                _ => V1.AuditChainBreak.Unspecified,
            },
            Detail = result.Detail,
            AnchorSequence = result.AnchorSequence,
            LastSequence = result.LastSequence,
            Algorithm = result.Algorithm,
        };
    }

    private static V1.AuditRecord ToProto(AuditEntry entry) => new()
    {
        Sequence = entry.Sequence,
        Time = Timestamp.FromDateTimeOffset(entry.Time),
        ClientId = entry.ClientId,
        Subject = entry.Subject,
        Method = entry.Method,
        Resource = entry.Resource,
        Outcome = entry.Outcome,
        TraceId = entry.TraceId,
        PreviousHash = ByteString.CopyFrom(entry.PreviousHash),
        Hash = ByteString.CopyFrom(entry.Hash),
    };
}
