public static class Config
{
    public const string OpenaiApiKey = "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";
}
