using System.Diagnostics;
using ChongqingVet.Domain.Errors;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.ServiceDefaults;

/// <summary>
/// Turns domain errors into rich statuses and unexpected exceptions into INTERNAL without exception text
/// (the exception is logged with the trace id).
/// </summary>
public sealed partial class ErrorInterceptor(ServiceIdentity identity, ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Map(exception, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Map(exception, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Map(exception, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Map(exception, context);
        }
    }

    private RpcException Map(Exception exception, ServerCallContext context)
    {
        switch (exception)
        {
            case DomainException domain:
                LogDomainError(context.Method, domain.Reason);
                return ErrorMapping.ToRpcException(domain, identity.ErrorDomain);
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested || context.Deadline <= DateTime.UtcNow:
                return new RpcException(new Status(
                    context.Deadline <= DateTime.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled,
                    "The call was cancelled or its deadline passed."));
            default:
                var traceId = Activity.Current?.TraceId.ToString() ?? context.GetHttpContext().TraceIdentifier;
                LogUnexpected(exception, context.Method, traceId);
                return ErrorMapping.Internal(identity.ErrorDomain, traceId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {Method} refused: {Reason}")]
    private partial void LogDomainError(string method, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Call {Method} failed unexpectedly (trace id {TraceId})")]
    private partial void LogUnexpected(Exception exception, string method, string traceId);
}

/// <summary>Who this process is: its short name ("certificates") and the ErrorInfo domain derived from it.</summary>
public sealed record ServiceIdentity(string Name)
{
    public string ErrorDomain => $"chongqingvet.{Name}";
}
