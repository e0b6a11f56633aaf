using System.Collections;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace ChongqingVet.TestKit.Grpc;

/// <summary>
/// A bad-input battery generated from the protos by reflection. For every unary (and client-streaming) method of a
/// service descriptor it builds requests from the request message descriptor: a valid-shaped baseline (the empty
/// message, or a caller-supplied valid request, with a fresh request_id) mutated one field at a time — strings empty,
/// 10,000 characters, with NUL, with a bidi override; enums 77 and -1; integers -1 and max; google.type.Date with
/// month 13, day 32, year 0; FieldMask with an unknown path; Timestamp out of range; repeated fields with 1,000
/// elements; nested messages one level deep. Calls go as raw bytes over the given channel, so one runner serves
/// every service. A bad input must answer with a clear status (never INTERNAL/UNKNOWN/…) and log no stack trace.
/// </summary>
public static class BadInputBattery
{
    /// <summary>Statuses a bad input may answer with.</summary>
    public static readonly IReadOnlySet<StatusCode> Clear = new HashSet<StatusCode>
    {
        StatusCode.OK, StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.FailedPrecondition,
        StatusCode.PermissionDenied, StatusCode.AlreadyExists, StatusCode.Aborted, StatusCode.ResourceExhausted,
    };

    public sealed record Mutation(string Field, string Kind, IMessage Request);

    public sealed record Outcome(string Method, string Field, string Kind, StatusCode Status, string Detail, bool StackTraceLogged)
    {
        public bool Failed => !Clear.Contains(Status) || StackTraceLogged;

        public override string ToString() =>
            $"{Method} {Field} [{Kind}] -> {Status}{(StackTraceLogged ? " + stack trace logged" : "")}: {Truncate(Detail, 160)}";
    }

    public sealed class Report
    {
        public List<Outcome> Outcomes { get; } = [];

        public int MethodCount { get; set; }

        public IEnumerable<Outcome> Failures => Outcomes.Where(o => o.Failed);

        public string Summary(string service)
        {
            var text = new StringBuilder();
            text.AppendLine($"{service}: {MethodCount} methods, {Outcomes.Count} calls");
            text.AppendLine("  status               calls");
            foreach (var group in Outcomes.GroupBy(o => o.Status).OrderByDescending(g => g.Count()))
            {
                text.AppendLine($"  {group.Key,-20} {group.Count(),5}");
            }
            text.AppendLine($"  failures             {Failures.Count(),5}");
            // Allowed, but worth a look: text with NUL, a bidi override or 10,000 characters that was stored/accepted.
            var accepted = Outcomes.Where(o => o.Status == StatusCode.OK && o.Kind is "NUL" or "bidi U+202E" or "10000 chars")
                .Select(o => $"{o.Method} {o.Field} [{o.Kind}]").Distinct().ToList();
            text.AppendLine($"  accepted (OK) NUL / bidi / 10,000-char text: {accepted.Count}");
            foreach (var line in accepted) text.AppendLine("    " + line);
            return text.ToString();
        }

        public string FailureMessage() =>
            $"{Failures.Count()} bad inputs were not answered with a clear status (or logged a stack trace):\n"
            + string.Join('\n', Failures.Select(f => "  " + f));
    }

    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(bytes => bytes, bytes => bytes);

    /// <summary>Runs every mutation of every unary and client-streaming method of <paramref name="services"/>.</summary>
    /// <param name="baselines">Optional valid requests by method name; their mutations are run as well as the empty baseline's.</param>
    /// <param name="logs">Every log record the server writes; a record with a stack trace fails the call that wrote it.</param>
    public static async Task<Report> RunAsync(CallInvoker invoker, IEnumerable<ServiceDescriptor> services, CapturingLoggerProvider logs,
        IReadOnlyDictionary<string, IMessage>? baselines = null)
    {
        var report = new Report();
        foreach (var service in services)
        {
            foreach (var method in service.Methods)
            {
                if (method.IsServerStreaming) continue;
                report.MethodCount++;
                var seeds = new List<(string Name, IMessage Message)> { ("empty", (IMessage)Activator.CreateInstance(method.InputType.ClrType)!) };
                if (baselines is not null && baselines.TryGetValue(method.Name, out var valid)) seeds.Add(("valid", valid));
                foreach (var (seedName, seed) in seeds)
                {
                    foreach (var mutation in Mutations(seed))
                    {
                        var before = logs.Records.Count;
                        var (status, detail) = await CallAsync(invoker, service, method, mutation.Request);
                        var stackTrace = logs.Records.Skip(before).Any(r => r.Contains("   at ", StringComparison.Ordinal));
                        report.Outcomes.Add(new Outcome($"{service.Name}.{method.Name}", $"{seedName}:{mutation.Field}", mutation.Kind, status, detail, stackTrace));
                    }
                }
            }
        }
        return report;
    }

    private static async Task<(StatusCode, string)> CallAsync(CallInvoker invoker, ServiceDescriptor service, MethodDescriptor method, IMessage request)
    {
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20));
        try
        {
            if (method.IsClientStreaming)
            {
                var grpcMethod = new Method<byte[], byte[]>(MethodType.ClientStreaming, service.FullName, method.Name, Raw, Raw);
                using var call = invoker.AsyncClientStreamingCall(grpcMethod, null, options);
                await call.RequestStream.WriteAsync(request.ToByteArray());
                await call.RequestStream.CompleteAsync();
                await call.ResponseAsync;
            }
            else
            {
                var grpcMethod = new Method<byte[], byte[]>(MethodType.Unary, service.FullName, method.Name, Raw, Raw);
                using var call = invoker.AsyncUnaryCall(grpcMethod, null, options, request.ToByteArray());
                await call.ResponseAsync;
            }
            return (StatusCode.OK, "");
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail);
        }
    }

    /// <summary>The baseline itself, then one request per (field, mutation), nested messages one level deep.</summary>
    public static IEnumerable<Mutation> Mutations(IMessage baseline)
    {
        yield return new Mutation("(none)", "baseline", Fresh(baseline));
        foreach (var mutation in FieldMutations(baseline, baseline.Descriptor, path: "", depth: 0))
        {
            yield return mutation;
        }
    }

    private static IMessage Fresh(IMessage baseline)
    {
        var copy = baseline.Descriptor.Parser.ParseFrom(baseline.ToByteArray());
        var requestId = copy.Descriptor.FindFieldByName("request_id");
        if (requestId is { FieldType: FieldType.String, IsRepeated: false }) requestId.Accessor.SetValue(copy, Guid.NewGuid().ToString());
        return copy;
    }

    /// <summary>
    /// Mutations of each field of <paramref name="descriptor"/>: each returns a fresh copy of <paramref name="root"/> with the
    /// message at <paramref name="path"/> (created if absent) changed in one field.
    /// </summary>
    private static IEnumerable<Mutation> FieldMutations(IMessage root, MessageDescriptor descriptor, string path, int depth)
    {
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            var name = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
            if (field.IsMap) continue;
            if (field.IsRepeated)
            {
                if (field.FieldType == FieldType.Message && depth == 0)
                {
                    // 1,000 empty elements, then one element mutated field by field.
                    yield return Mutate(root, path, name, "1000 elements", (m, f) => AddMany(m, f, 1000));
                    foreach (var inner in LeafMutations(field.MessageType))
                    {
                        var apply = inner.Apply;
                        yield return Mutate(root, path, $"{name}[0].{inner.Field}", inner.Kind, (m, f) =>
                        {
                            var item = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
                            apply(item);
                            ((IList)f.Accessor.GetValue(m)).Add(item);
                        }, field);
                    }
                }
                else if (field.FieldType != FieldType.Message)
                {
                    yield return Mutate(root, path, name, "1000 elements", (m, f) => AddMany(m, f, 1000));
                    foreach (var (kind, value) in ScalarValues(field))
                    {
                        yield return Mutate(root, path, name, $"one element {kind}", (m, f) => ((IList)f.Accessor.GetValue(m)).Add(value));
                    }
                }
                continue;
            }
            if (field.FieldType == FieldType.Message)
            {
                var special = SpecialValues(field.MessageType).ToList();
                if (special.Count > 0)
                {
                    foreach (var (kind, make) in special)
                    {
                        yield return Mutate(root, path, name, kind, (m, f) => f.Accessor.SetValue(m, make()));
                    }
                }
                else if (depth == 0)
                {
                    yield return Mutate(root, path, name, "empty message", (m, f) => f.Accessor.SetValue(m, Activator.CreateInstance(field.MessageType.ClrType)));
                    foreach (var inner in FieldMutations(root, field.MessageType, name, depth + 1))
                    {
                        yield return inner;
                    }
                }
                continue;
            }
            foreach (var (kind, value) in ScalarValues(field))
            {
                yield return Mutate(root, path, name, kind, (m, f) => f.Accessor.SetValue(m, value));
            }
        }
    }

    private sealed record Leaf(string Field, string Kind, Action<IMessage> Apply);

    /// <summary>Single-field mutations of a fresh <paramref name="descriptor"/> message (for elements of repeated fields).</summary>
    private static IEnumerable<Leaf> LeafMutations(MessageDescriptor descriptor)
    {
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            if (field.IsMap || field.IsRepeated) continue;
            if (field.FieldType == FieldType.Message)
            {
                foreach (var (kind, make) in SpecialValues(field.MessageType))
                {
                    yield return new Leaf(field.Name, kind, m => field.Accessor.SetValue(m, make()));
                }
                continue;
            }
            foreach (var (kind, value) in ScalarValues(field))
            {
                yield return new Leaf(field.Name, kind, m => field.Accessor.SetValue(m, value));
            }
        }
    }

    private static Mutation Mutate(IMessage root, string path, string name, string kind, Action<IMessage, FieldDescriptor> change, FieldDescriptor? known = null)
    {
        var copy = Fresh(root);
        var target = Navigate(copy, path);
        var field = known ?? target.Descriptor.FindFieldByName(name[(name.LastIndexOf('.') + 1)..]);
        change(target, field);
        return new Mutation(name, kind, copy);
    }

    /// <summary>The message at a dotted path of singular message fields, created where absent.</summary>
    private static IMessage Navigate(IMessage root, string path)
    {
        var current = root;
        if (path.Length == 0) return current;
        foreach (var part in path.Split('.'))
        {
            var field = current.Descriptor.FindFieldByName(part);
            var next = (IMessage?)field.Accessor.GetValue(current);
            if (next is null)
            {
                next = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
                field.Accessor.SetValue(current, next);
            }
            current = next;
        }
        return current;
    }

    private static void AddMany(IMessage message, FieldDescriptor field, int count)
    {
        var list = (IList)field.Accessor.GetValue(message);
        for (var i = 0; i < count; i++)
        {
            list.Add(field.FieldType switch
            {
                FieldType.Message => Activator.CreateInstance(field.MessageType.ClrType)!,
                FieldType.String => $"X{i}",
                FieldType.Enum => Enum.ToObject(field.EnumType.ClrType, field.EnumType.Values[^1].Number),
                _ => ScalarValues(field).First().Value,
            });
        }
    }

    private static readonly string Long = new('A', 10_000);

    private static IEnumerable<(string Kind, object Value)> ScalarValues(FieldDescriptor field)
    {
        switch (field.FieldType)
        {
            case FieldType.String:
                yield return ("empty", "");
                yield return ("10000 chars", Long);
                yield return ("NUL", "a\0b");
                yield return ("bidi U+202E", "a\u202Eb");
                break;
            case FieldType.Enum:
                yield return ("out of range 77", Enum.ToObject(field.EnumType.ClrType, 77));
                yield return ("negative -1", Enum.ToObject(field.EnumType.ClrType, -1));
                break;
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                yield return ("-1", -1);
                yield return ("max", int.MaxValue);
                break;
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                yield return ("-1", -1L);
                yield return ("max", long.MaxValue);
                break;
            case FieldType.UInt32 or FieldType.Fixed32:
                yield return ("max", uint.MaxValue);
                break;
            case FieldType.UInt64 or FieldType.Fixed64:
                yield return ("max", ulong.MaxValue);
                break;
            case FieldType.Double:
                yield return ("-1", -1d);
                yield return ("NaN", double.NaN);
                yield return ("+inf", double.PositiveInfinity);
                yield return ("max", double.MaxValue);
                break;
            case FieldType.Float:
                yield return ("-1", -1f);
                yield return ("NaN", float.NaN);
                yield return ("+inf", float.PositiveInfinity);
                break;
        }
    }

    /// <summary>Invalid values of the well-known value messages (none for other messages).</summary>
    private static IEnumerable<(string Kind, Func<IMessage> Make)> SpecialValues(MessageDescriptor type)
    {
        IMessage Build(params (string Field, object Value)[] values)
        {
            var message = (IMessage)Activator.CreateInstance(type.ClrType)!;
            foreach (var (name, value) in values) type.FindFieldByName(name).Accessor.SetValue(message, value);
            return message;
        }
        switch (type.FullName)
        {
            case "google.type.Date":
                yield return ("month 13", () => Build(("year", 2025), ("month", 13), ("day", 1)));
                yield return ("day 32", () => Build(("year", 2025), ("month", 1), ("day", 32)));
                yield return ("year 0", () => Build(("year", 0), ("month", 1), ("day", 1)));
                yield return ("Feb 30", () => Build(("year", 2025), ("month", 2), ("day", 30)));
                break;
            case "google.protobuf.FieldMask":
                yield return ("unknown path", () =>
                {
                    var mask = (IMessage)Activator.CreateInstance(type.ClrType)!;
                    ((IList)type.FindFieldByName("paths").Accessor.GetValue(mask)).Add("no_such_field");
                    return mask;
                });
                break;
            case "google.protobuf.Timestamp":
                yield return ("seconds out of range", () => Build(("seconds", long.MaxValue)));
                yield return ("nanos out of range", () => Build(("seconds", 0L), ("nanos", -5)));
                break;
            case "google.protobuf.Duration":
                yield return ("seconds out of range", () => Build(("seconds", long.MaxValue)));
                break;
        }
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";
}
