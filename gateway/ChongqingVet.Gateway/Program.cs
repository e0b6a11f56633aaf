using ChongqingVet.Gateway;
using ChongqingVet.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("gateway");
builder.AddGateway();
var app = builder.Build();
app.MapServiceDefaults();
app.MapGateway();
app.Run();
