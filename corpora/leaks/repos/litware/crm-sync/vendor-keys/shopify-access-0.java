public final class Config {
    static final String SHOPIFY_ACCESS_TOKEN = "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";
}
