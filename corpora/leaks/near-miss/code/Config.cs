var password = Environment.GetEnvironmentVariable("DB_PASSWORD");
var conn = $"Server=db;Database=shop;User Id=app;Password={password};";
