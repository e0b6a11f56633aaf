using ChongqingVet.Gateway;
using ChongqingVet.ServiceDefaults;

var builder = ServerBuilder.Create(args);
builder.AddServiceDefaults("gateway");
builder.AddGateway();
var app = builder.Build();
app.MapServiceDefaults();
app.MapGateway();
app.Run();
