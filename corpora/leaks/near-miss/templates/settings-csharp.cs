public static class Config
{
    public const string ClientSecret = "example";
}
