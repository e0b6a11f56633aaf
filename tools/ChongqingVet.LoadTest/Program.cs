using ChongqingVet.LoadTest;

// dotnet run -c Release --project tools/ChongqingVet.LoadTest -- import [count] [sqlite|postgres|both] [unknown-type]
//   (unknown-type: every item is INVALID, nothing is written: the stream's own ceiling)
// dotnet run -c Release --project tools/ChongqingVet.LoadTest -- audit [records] [sqlite|postgres|both]
// dotnet tools/ChongqingVet.LoadTest/bin/Release/net10.0/ChongqingVet.LoadTest.dll suite [options]   (docs/PERFORMANCE.md)
// PostgreSQL: the server in CHONGQINGVET_TEST_POSTGRES (eval "$(bash tools/start-test-postgres.sh)").
var command = args.FirstOrDefault() ?? "import";
switch (command)
{
    case "import":
        var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var which = args.Length > 2 ? args[2] : "both";
        var unknownType = args.Length > 3 && args[3] == "unknown-type";
        if (which is "sqlite" or "both") await ImportBenchmark.RunAsync("sqlite", count, unknownType);
        if (which is "postgres" or "both") await ImportBenchmark.RunAsync("postgres", count, unknownType);
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
        Console.Error.WriteLine("usage: import [count] [sqlite|postgres|both] | audit [records] [sqlite|postgres|both] | " + SuiteOptions.Usage);
        return 2;
}
