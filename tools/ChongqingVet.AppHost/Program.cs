using ChongqingVet.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

var repositoryRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", ".."));
// Suite:DataDirectory and Suite:PortOffset (e.g. --Suite:PortOffset=10000): the suite tests run this AppHost on fresh
// SQLite files and on ports that never collide with a suite a developer has running.
var dataDirectory = builder.Configuration["Suite:DataDirectory"] is { Length: > 0 } configured ? configured : Path.Combine(repositoryRoot, "data");
var portOffset = int.TryParse(builder.Configuration["Suite:PortOffset"], out var offset) ? offset : 0;
Directory.CreateDirectory(dataDirectory);

var identity = builder.AddProject(SuiteLayout.Identity.Name,
        Path.Combine(repositoryRoot, SuiteLayout.Identity.Project, SuiteLayout.Identity.Assembly + ".csproj"),
        options => options.ExcludeLaunchProfile = true)
    .WithHttpEndpoint(port: SuiteLayout.Identity.HttpPort + portOffset, name: "http", isProxied: false)
    .WithHttpHealthCheck("/healthz", endpointName: "http");
foreach (var (key, value) in SuiteLayout.IdentityEnvironment(dataDirectory, portOffset)) identity.WithEnvironment(key, value);

var backends = new List<IResourceBuilder<ProjectResource>>();
foreach (var member in SuiteLayout.Services)
{
    backends.Add(AddMember(member).WaitFor(identity));
}

// The insights service follows the four services' change feeds, so it starts after them.
var insights = AddMember(SuiteLayout.Insights).WaitFor(identity);
foreach (var backend in backends) insights.WaitFor(backend);

var gateway = AddMember(SuiteLayout.Gateway);
foreach (var backend in backends) gateway.WaitFor(backend);

Console.WriteLine($"""

    ChongqingVet suite (sample data, SQLite files in {dataDirectory})
      Web page:      http://127.0.0.1:{SuiteLayout.Gateway.HttpPort + portOffset}/   (sign in as L0001 … L0010, password learner-dev-password)
      Identity:      {SuiteLayout.Authority(portOffset)}   (development OIDC provider; clients in tools/ChongqingVet.Identity/README.md)
      REST API:      http://127.0.0.1:{SuiteLayout.Gateway.HttpPort + portOffset}/v1/learners/L0001/profile   (needs a bearer token)
      OpenAPI:       http://127.0.0.1:{SuiteLayout.Gateway.HttpPort + portOffset}/openapi/v1.json
      gRPC (h2c):    127.0.0.1:{SuiteLayout.Gateway.GrpcPort + portOffset}   (reflection on; try: npx buf curl --protocol grpc --http2-prior-knowledge ...)
      Insights:      127.0.0.1:{SuiteLayout.Insights.GrpcPort + portOffset}   (gRPC chongqingvet.insights.v1.InsightsService; token scope insights.read, client gov-system)
      Dashboard:     see the "Login to the dashboard" line below

    """);

builder.Build().Run();

IResourceBuilder<ProjectResource> AddMember(SuiteLayout.Member member)
{
    var project = builder.AddProject(member.Name, Path.Combine(repositoryRoot, member.Project, member.Assembly + ".csproj"),
            options => options.ExcludeLaunchProfile = true)
        .WithHttpEndpoint(port: member.HttpPort + portOffset, name: "http", isProxied: false)
        .WithHttpEndpoint(port: member.GrpcPort + portOffset, name: "grpc", isProxied: false)
        .WithHttpHealthCheck("/healthz/ready", endpointName: "http");
    foreach (var (key, value) in SuiteLayout.Environment(member, dataDirectory, portOffset))
        project.WithEnvironment(key, value);
    return project;
}
