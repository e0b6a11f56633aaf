using ChongqingVet.Competitions;
using ChongqingVet.Data;
using ChongqingVet.ServiceDefaults;

var builder = ServerBuilder.Create(args);
builder.AddServiceDefaults("competitions");
builder.AddCompetitions();
var app = builder.Build();
app.MapServiceDefaults();
app.MapCompetitions();
return await app.RunOrMigrateAsync(args);
