using ChongqingVet.Identity;

var builder = WebApplication.CreateBuilder(args);
builder.AddDevelopmentIdentityProvider();
var app = builder.Build();
app.MapDevelopmentIdentityProvider();
app.Run();
