using System.Diagnostics;
using System.Text.RegularExpressions;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;

namespace ChongqingVet.ServiceDefaults.Security;

/// <summary>
/// Audits every write and every read of personal data (per the access table), refused and failed calls included:
/// who (client, subject), the method, the resource (ids only) and the outcome. A write's record is appended by the
/// idempotency store inside the write's transaction (<see cref="PendingWriteAudit"/>); everything else here, after the
/// call. Processes without an audit log (the gateway) audit nothing themselves: their backends audit the forwarded caller.
/// </summary>
public sealed partial class AuditInterceptor(AccessTable table, IServiceProvider services, ServiceIdentity identity) : Interceptor
{
    private static readonly string[] ResourceFields =
        ["certificate_number", "learner_id", "code", "id", "posting_id", "event_id", "competition_id", "course_code", "skill_code"];

    private readonly IAuditSink? _sink = services.GetService<IAuditSink>();

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        AuditAsync(context, request, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        AuditAsync(context, null, () => continuation(requestStream, context));

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        await AuditAsync(context, request, async () => { await continuation(request, responseStream, context); return true; });

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        await AuditAsync(context, null, async () => { await continuation(requestStream, responseStream, context); return true; });

    private async Task<TResponse> AuditAsync<TResponse>(ServerCallContext context, object? request, Func<Task<TResponse>> call)
    {
        var rule = table.Find(context.Method);
        if (_sink is null || rule is null || !(rule.IsWrite || rule.PersonalData)) return await call();

        var caller = CallerClaims.Of(context.GetHttpContext());
        if (!caller.IsAuthenticated && !rule.Public) return await call(); // refused before anything happened; not worth a record each

        var audited = new AuditedCall(caller.ClientId, caller.Subject, context.Method, ResourceOf(request),
            Activity.Current?.TraceId.ToHexString() ?? string.Empty);
        var pending = rule.IsWrite ? PendingWriteAudit.Begin(audited) : null;
        try
        {
            var response = await call();
            if (pending is not { Written: true }) await _sink.AppendAsync(audited, "OK", CancellationToken.None);
            return response;
        }
        catch (Exception exception)
        {
            await _sink.AppendAsync(audited, OutcomeOf(exception), CancellationToken.None);
            throw;
        }
        finally
        {
            if (pending is not null) PendingWriteAudit.End();
        }
    }

    private static string OutcomeOf(Exception exception) => exception switch
    {
        RpcException rpc => rpc.StatusCode.ToString(),
        DomainException domain => ((StatusCode)(int)ErrorMapping.CodeOf(domain)).ToString(),
        OperationCanceledException => nameof(StatusCode.Cancelled),
        _ => nameof(StatusCode.Internal),
    };

    /// <summary>"field/value" of the request's first identifying field; never anything that could be an ID number.</summary>
    private string ResourceOf(object? request)
    {
        if (request is IMessage message)
        {
            foreach (var name in ResourceFields)
            {
                if (message.Descriptor.FindFieldByName(name)?.Accessor.GetValue(message) is not string { Length: > 0 } value) continue;
                return SafeId().IsMatch(value) && !LooksLikeIdNumber().IsMatch(value) ? $"{name}/{value}" : $"{name}/(withheld)";
            }
        }
        return identity.Name;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SafeId();

    [GeneratedRegex("^[0-9]{15}$|^[0-9]{17}[0-9Xx]$")]
    private static partial Regex LooksLikeIdNumber();
}
