using ChongqingVet.LoadTest;

// dotnet run -c Release --project tools/ChongqingVet.LoadTest -- import [count] [sqlite|postgres|both] [unknown-type] [per-message=K] [warm-up=N]
//   (unknown-type: every item is INVALID, nothing is written: the stream's own ceiling; per-message: items per stream
//   message, default 100; warm-up: a first stream of N other items, not measured, so the host runs warm code)
// dotnet run -c Release --project tools/ChongqingVet.LoadTest -- audit [records] [sqlite|postgres|both]
// dotnet tools/ChongqingVet.LoadTest/bin/Release/net10.0/ChongqingVet.LoadTest.dll suite [options]   (docs/PERFORMANCE.md)
// PostgreSQL: the server in CHONGQINGVET_TEST_POSTGRES (eval "$(bash tools/start-test-postgres.sh)").
var command = args.FirstOrDefault() ?? "import";
switch (command)
{
    case "import":
        var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var which = args.Length > 2 ? args[2] : "both";
        var unknownType = args.Skip(3).Contains("unknown-type");
        var perMessage = Option("per-message=") ?? ImportBenchmark.DefaultItemsPerMessage;
        var warmUp = Option("warm-up=") ?? 0;
        if (which is "sqlite" or "both") await ImportBenchmark.RunAsync("sqlite", count, unknownType, perMessage, warmUp);
        if (which is "postgres" or "both") await ImportBenchmark.RunAsync("postgres", count, unknownType, perMessage, warmUp);
        return 0;
    case "audit":
        var records = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000;
        var where = args.Length > 2 ? args[2] : "both";
        if (where is "sqlite" or "both") await AuditBenchmark.RunAsync("sqlite", records);
        if (where is "postgres" or "both") await AuditBenchmark.RunAsync("postgres", records);
        return 0;
    case "suite":
        return await SuiteBenchmark.RunAsync(args);
    case FanOutBaseline.EchoCommand or FanOutBaseline.AggregatorCommand:
        return await FanOutBaseline.RunSubcommandAsync(args);
    default:
        Console.Error.WriteLine("usage: import [count] [sqlite|postgres|both] [unknown-type] [per-message=K] [warm-up=N] | audit [records] [sqlite|postgres|both] | " + SuiteOptions.Usage);
        return 2;
}

int? Option(string prefix) => args.Skip(3).FirstOrDefault(a => a.StartsWith(prefix, StringComparison.Ordinal)) is { } option
    ? int.Parse(option[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture)
    : null;
