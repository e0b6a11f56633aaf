namespace ChongqingVet.TestKit;

/// <summary>The checkout the tests run from: the nearest folder above the test binaries that holds the solution file.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "ChongqingVet.Services.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("ChongqingVet.Services.sln not found above " + AppContext.BaseDirectory);
    }
}
