using ChongqingVet.Data;
using ChongqingVet.Insights;
using ChongqingVet.ServiceDefaults;

var builder = ServerBuilder.Create(args);
builder.AddServiceDefaults("insights");
builder.AddInsights();
var app = builder.Build();
app.MapServiceDefaults();
app.MapInsights();
return await app.RunOrMigrateAsync(args);
