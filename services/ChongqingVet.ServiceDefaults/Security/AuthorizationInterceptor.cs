using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ChongqingVet.ServiceDefaults.Security;

/// <summary>
/// Enforces the access table before a request touches data (so PERMISSION_DENIED comes before NOT_FOUND), for gRPC,
/// gRPC-Web and JSON-transcoded REST alike: authenticated caller, rate limit, scope or learner self-access.
/// Infrastructure services (health, reflection) are not in the table and pass; any other chongqingvet method without a
/// rule is refused.
/// </summary>
public sealed class AuthorizationInterceptor(AccessTable table, CallerRateLimiter limiter) : Interceptor
{
    private const string LearnerIdField = "learner_id";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, request);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, null);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, request);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, null);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context, object? request)
    {
        var http = context.GetHttpContext();
        var rule = table.Find(context.Method);
        if (rule is null)
        {
            if (context.Method.StartsWith("/chongqingvet.", StringComparison.Ordinal))
                throw new PermissionDeniedException("METHOD_NOT_IN_ACCESS_TABLE", "This method is not open to any caller.");
            return;
        }

        var caller = CallerClaims.Of(http);
        if (rule.Public)
        {
            limiter.AcquireForAddress(http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            return;
        }
        if (!caller.IsAuthenticated) throw new UnauthenticatedException();
        limiter.AcquireForClient(caller.ClientId);

        if (rule.Scope is not null && caller.Has(rule.Scope)) return;
        if (rule.LearnerSelf && request is IMessage message && LearnerIdOf(message) is { } learnerId && caller.IsLearner(learnerId)) return;
        throw new PermissionDeniedException(rule.LearnerSelf ? "NOT_THIS_LEARNER_OR_SCOPE" : "MISSING_SCOPE",
            rule.LearnerSelf
                ? $"This call needs the scope '{rule.Scope}', or a learner's own token for the learner_id asked for."
                : $"This call needs the scope '{rule.Scope}'.")
        {
            Metadata = new Dictionary<string, string> { ["required_scope"] = rule.Scope ?? string.Empty },
        };
    }

    private static string? LearnerIdOf(IMessage message) =>
        message.Descriptor.FindFieldByName(LearnerIdField)?.Accessor.GetValue(message) as string;
}
