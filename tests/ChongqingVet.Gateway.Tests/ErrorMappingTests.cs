using ChongqingVet.Domain.Errors;
using ChongqingVet.ServiceDefaults;
using Google.Rpc;
using Grpc.Core;

namespace ChongqingVet.Gateway.Tests;

public class ErrorMappingTests
{
    [Fact]
    public void ToRpcException_Validation_CarriesErrorInfoAndEveryFieldViolation()
    {
        var exception = ErrorMapping.ToRpcException(new ValidationException(
            [new FieldViolation("learner_id", "is required"), new FieldViolation("page_size", "must not be negative")]), "chongqingvet.gateway");

        Assert.Equal(StatusCode.InvalidArgument, exception.StatusCode);
        var status = exception.GetRpcStatus()!;
        Assert.Equal("chongqingvet.gateway", status.GetDetail<ErrorInfo>()!.Domain);
        Assert.Equal(["learner_id", "page_size"], status.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
    }

    [Fact]
    public void ToRpcException_ResourceErrors_MapToTheirCodes()
    {
        StatusCode Map(DomainException error) => ErrorMapping.ToRpcException(error, "chongqingvet.certificates").StatusCode;
        Assert.Equal(StatusCode.NotFound, Map(new NotFoundException("Certificate", "S1")));
        Assert.Equal(StatusCode.AlreadyExists, Map(new AlreadyExistsException("Certificate", "S1")));
        Assert.Equal(StatusCode.Aborted, Map(new ConcurrencyConflictException("Certificate", "S1")));
        Assert.Equal(StatusCode.FailedPrecondition, Map(new FailedPreconditionException("X", "y")));
        Assert.Equal(StatusCode.PermissionDenied, Map(new PermissionDeniedException("X", "y")));
    }

    [Fact]
    public void Internal_HasTraceIdAndNoExceptionText()
    {
        var exception = ErrorMapping.Internal("chongqingvet.courses", "abc123");
        Assert.Equal(StatusCode.Internal, exception.StatusCode);
        Assert.Equal("An internal error occurred. Trace id: abc123", exception.Status.Detail);
        Assert.Equal("abc123", exception.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Metadata["trace_id"]);
    }
}
