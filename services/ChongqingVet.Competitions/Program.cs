using ChongqingVet.Competitions;
using ChongqingVet.Data;
using ChongqingVet.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("competitions");
builder.AddCompetitions();
var app = builder.Build();
app.MapServiceDefaults();
app.MapCompetitions();
return await app.RunOrMigrateAsync(args);
