public static class Config
{
    public const string RunnerToken = "glrt-btpQ63GzAZL5E950F0gU";
}
