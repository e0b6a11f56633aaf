using ChongqingVet.Domain.Errors;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace ChongqingVet.ServiceDefaults;

/// <summary>
/// Maps the typed domain errors to rich gRPC statuses (google.rpc.Status with ErrorInfo and, for bad input,
/// one BadRequest that lists every field violation). The one place that decides status codes.
/// </summary>
public static class ErrorMapping
{
    public static RpcException ToRpcException(DomainException exception, string errorDomain)
    {
        var code = CodeOf(exception);

        var errorInfo = new ErrorInfo { Reason = exception.Reason, Domain = errorDomain };
        foreach (var (key, value) in exception.Metadata) errorInfo.Metadata[key] = value;

        var status = new Google.Rpc.Status
        {
            Code = (int)code,
            Message = exception.Message,
            Details = { Any.Pack(errorInfo) },
        };

        if (exception is RateLimitedException limited)
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(limited.RetryAfter) }));

        if (exception is ValidationException validation)
        {
            var badRequest = new BadRequest();
            foreach (var violation in validation.Violations)
            {
                badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation
                {
                    Field = violation.Field,
                    Description = violation.Description,
                });
            }
            status.Details.Add(Any.Pack(badRequest));
        }

        return status.ToRpcException();
    }

    /// <summary>How long a client should wait before retrying a call that failed on a transient database fault.</summary>
    public static readonly TimeSpan TransientRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A transient database fault: UNAVAILABLE with reason DATABASE_UNAVAILABLE (unreachable, busy, failing over) or
    /// ABORTED with reason DATABASE_CONFLICT (lost against a concurrent transaction). Both carry a google.rpc.RetryInfo;
    /// the write did not commit, or if the connection broke during the commit, a retry with the same request_id is
    /// answered from the idempotency record. No driver text reaches the caller.
    /// </summary>
    public static RpcException Transient(TransientFault fault, string errorDomain, string traceId)
    {
        var (code, reason, message) = fault switch
        {
            TransientFault.Conflict => (Code.Aborted, "DATABASE_CONFLICT",
                "The call conflicted with a concurrent transaction and was rolled back; retry it."),
            TransientFault.Unavailable => (Code.Unavailable, "DATABASE_UNAVAILABLE",
                "The database is temporarily unavailable; retry the call after the delay in RetryInfo."),
            _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, "Only transient faults map here."),
        };
        var errorInfo = new ErrorInfo { Reason = reason, Domain = errorDomain };
        errorInfo.Metadata.Add("trace_id", traceId);
        return new Google.Rpc.Status
        {
            Code = (int)code,
            Message = message,
            Details =
            {
                Any.Pack(errorInfo),
                Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TransientRetryDelay) }),
            },
        }.ToRpcException();
    }

    /// <summary>The status code of a domain error.</summary>
    public static Code CodeOf(DomainException exception) => exception switch
    {
        ValidationException => Code.InvalidArgument,
        NotFoundException => Code.NotFound,
        AlreadyExistsException => Code.AlreadyExists,
        ConcurrencyConflictException => Code.Aborted,
        AbortedException => Code.Aborted,
        FailedPreconditionException => Code.FailedPrecondition,
        PermissionDeniedException => Code.PermissionDenied,
        UnauthenticatedException => Code.Unauthenticated,
        RateLimitedException => Code.ResourceExhausted,
        _ => Code.Internal,
    };

    /// <summary>INTERNAL without any exception text; the trace id lets operators find the logged exception.</summary>
    public static RpcException Internal(string errorDomain, string traceId)
    {
        var errorInfo = new ErrorInfo { Reason = "INTERNAL", Domain = errorDomain };
        errorInfo.Metadata.Add("trace_id", traceId);
        return new Google.Rpc.Status
        {
            Code = (int)Code.Internal,
            Message = $"An internal error occurred. Trace id: {traceId}",
            Details = { Any.Pack(errorInfo) },
        }.ToRpcException();
    }
}
