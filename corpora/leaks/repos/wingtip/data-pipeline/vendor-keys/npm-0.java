public final class Config {
    static final String NPM_TOKEN = "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";
}
