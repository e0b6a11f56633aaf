using System.Diagnostics;
using ChongqingVet.Domain.Errors;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.ServiceDefaults;

/// <summary>
/// Turns domain errors into rich statuses, transient database faults (as the registered
/// <see cref="ITransientFaultClassifier"/>s judge them: the data layer's SQL dialect) into UNAVAILABLE or ABORTED with
/// RetryInfo, and unexpected exceptions into INTERNAL without exception text (the exception is logged with the trace id).
/// </summary>
public sealed partial class ErrorInterceptor(
    ServiceIdentity identity,
    IEnumerable<ITransientFaultClassifier> classifiers,
    ILogger<ErrorInterceptor> logger) : Interceptor
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
        }
        var traceId = Activity.Current?.TraceId.ToString() ?? context.GetHttpContext().TraceIdentifier;
        var fault = Classify(exception);
        if (fault != TransientFault.None)
        {
            LogTransient(exception, context.Method, fault, traceId);
            return ErrorMapping.Transient(fault, identity.ErrorDomain, traceId);
        }
        LogUnexpected(exception, context.Method, traceId);
        return ErrorMapping.Internal(identity.ErrorDomain, traceId);
    }

    private TransientFault Classify(Exception exception)
    {
        foreach (var classifier in classifiers)
        {
            var fault = classifier.Classify(exception);
            if (fault != TransientFault.None) return fault;
        }
        return TransientFault.None;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {Method} failed on a transient fault ({Fault}, trace id {TraceId})")]
    private partial void LogTransient(Exception exception, string method, TransientFault fault, string traceId);

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
