public static class Config
{
    public const string SentryAuthToken = "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";
}
