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
        var code = exception switch
        {
            ValidationException => Code.InvalidArgument,
            NotFoundException => Code.NotFound,
            AlreadyExistsException => Code.AlreadyExists,
            ConcurrencyConflictException => Code.Aborted,
            FailedPreconditionException => Code.FailedPrecondition,
            PermissionDeniedException => Code.PermissionDenied,
            UnauthenticatedException => Code.Unauthenticated,
            RateLimitedException => Code.ResourceExhausted,
            _ => Code.Internal,
        };

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
