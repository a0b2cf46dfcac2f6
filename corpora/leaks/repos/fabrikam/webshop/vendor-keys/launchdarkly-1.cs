public static class Config
{
    public const string LaunchdarklyAccessToken = "api-79adb3f8-0062-4c4a-b945-db47ca7c4e22";
}
