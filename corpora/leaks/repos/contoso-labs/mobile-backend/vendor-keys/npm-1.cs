public static class Config
{
    public const string NpmToken = "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";
}
