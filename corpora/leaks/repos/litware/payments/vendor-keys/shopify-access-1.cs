public static class Config
{
    public const string ShopifyAccessToken = "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";
}
