public final class Config {
    static final String OPENAI_API_KEY = "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";
}
