using System.Net;
using System.Text.Json;
using ChongqingVet.Profile.V1;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;

namespace ChongqingVet.Gateway.Tests;

/// <summary>The gateway's access rules over gRPC, REST and gRPC-Web, and the caller's token reaching the backends.</summary>
public class GatewaySecurityTests
{
    private static readonly TestAuthority Authority = TestAuthority.Shared;

    [Fact]
    public async Task Rest_WithoutToken_Is401_WithAnotherLearnersToken_Is403_WithOwnToken_Is200()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        using var anonymous = gateway.CreateHttpClient(null);
        var response = await anonymous.GetAsync("/v1/learners/L0001/profile");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using (var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()))
            Assert.Equal((int)StatusCode.Unauthenticated, body.RootElement.GetProperty("code").GetInt32());

        using var otherLearner = gateway.CreateHttpClient(Authority.Learner("L0002"));
        Assert.Equal(HttpStatusCode.Forbidden, (await otherLearner.GetAsync("/v1/learners/L0001/transcript")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherLearner.GetAsync("/v1/learners/L0001/profile")).StatusCode);

        using var self = gateway.CreateHttpClient(Authority.Learner("L0001"));
        Assert.Equal(HttpStatusCode.OK, (await self.GetAsync("/v1/learners/L0001/profile")).StatusCode);
    }

    [Fact]
    public async Task Grpc_GovernmentWithoutProfilesScope_IsPermissionDenied_AndBackendsAreNotCalled()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);
        var client = gateway.ClientWith(Authority.Issue("gov", "government", ["catalog.read", "certificates.read"]));

        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = "L0001" }).ResponseAsync);
        Assert.Equal(0, fakes.Certificates.RecordCalls);
    }

    [Fact]
    public async Task GrpcWeb_WithoutToken_IsUnauthenticated()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);
        using var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWebText, gateway.ServerHandler),
        });
        var client = new LearnerProfileService.LearnerProfileServiceClient(channel);

        await RpcAssert.ThrowsAsync(StatusCode.Unauthenticated, () => client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = "L0001" }).ResponseAsync);
    }

    [Fact]
    public async Task Profile_ForwardsTheCallersToken_ToEveryBackend()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);
        var token = Authority.Learner("L0001");

        await gateway.ClientWith(token).GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = "L0001" });

        foreach (var backend in new[] { fakes.Certificates, fakes.Competitions, fakes.Courses, fakes.JobPostings })
            Assert.Equal("Bearer " + token, backend.LastAuthorization);
    }

    [Fact]
    public async Task OpenApiAndReflection_AreOffByDefaultOutsideDevelopment()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);
        using var http = gateway.CreateHttpClient(Authority.SuperUserToken());

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/openapi/v1.json")).StatusCode);
    }
}
