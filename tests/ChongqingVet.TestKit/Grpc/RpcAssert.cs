using Google.Rpc;
using Grpc.Core;

namespace ChongqingVet.TestKit.Grpc;

/// <summary>Assertions on rich gRPC errors: status code, ErrorInfo reason and BadRequest field violations.</summary>
public static class RpcAssert
{
    public static async Task<RpcException> ThrowsAsync(StatusCode expected, Func<Task> call)
    {
        var exception = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(expected == exception.StatusCode, $"Expected {expected} but got {exception.StatusCode}: {exception.Status.Detail}");
        var status = exception.GetRpcStatus();
        Assert.NotNull(status);
        Assert.NotNull(status!.GetDetail<ErrorInfo>());
        return exception;
    }

    /// <summary>INVALID_ARGUMENT whose BadRequest names exactly <paramref name="fields"/> (in any order).</summary>
    public static async Task<IReadOnlyList<BadRequest.Types.FieldViolation>> InvalidArgumentAsync(Func<Task> call, params string[] fields)
    {
        var exception = await ThrowsAsync(StatusCode.InvalidArgument, call);
        var violations = FieldViolations(exception);
        Assert.Equal(fields.OrderBy(f => f, StringComparer.Ordinal), violations.Select(v => v.Field).Distinct().OrderBy(f => f, StringComparer.Ordinal));
        return violations;
    }

    public static IReadOnlyList<BadRequest.Types.FieldViolation> FieldViolations(RpcException exception) =>
        exception.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.ToList() ?? [];

    public static string Reason(RpcException exception) =>
        exception.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? string.Empty;
}
